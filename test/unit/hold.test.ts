import { describe, expect, it } from 'vitest';
import { parseKey } from '../../src/archive/layout.js';
import { holdKey, MAX_HOLD_BYTES, parseHold, parseHoldKey } from '../../src/archive/hold.js';
import { heldReasons } from '../../src/commands/prune-immutable.js';
import { isLockRefusal, lockParamsFor } from '../../src/storage/s3-object-lock.js';

const ID = 'app/acme/2026-11-20T02-00-00.000Z';
const record = { kind: 'orgbackup-hold', version: 1, id: ID, reason: 'case 7', heldAt: '2026-12-01T10:00:00.000Z', heldBy: { user: 'ops', uid: 1000, host: 'backup1' } };
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('hold keys', () => {
  it.each([
    [holdKey(ID), ID],
    ['app/acme/2026-11-20T02-00-00.000Z.hold.json', ID],
    ['app/acme/not-a-time.hold.json', undefined],
    ['app/acme/2026-11-20T02-00-00.000Z.manifest.json', undefined],
    ['_audit/2026/12/01/x.hold.json', undefined],
    ['app/%61cme/2026-11-20T02-00-00.000Z.hold.json', undefined],
  ])('parseHoldKey(%s) = %s', (key, id) => {
    expect(parseHoldKey(key)).toBe(id);
  });

  it('a hold key is never an archive or sidecar key', () => {
    expect(parseKey(holdKey(ID))).toBeUndefined();
  });
});

describe('parseHold: hostile hold objects still hold', () => {
  it.each([
    ['a valid record', bytes(record), undefined],
    ['not JSON', bytes('{"kind":'), 'not valid JSON'],
    ['JSON, not a record', bytes([1, 2]), 'not an orgbackup hold record'],
    ['wrong kind', bytes({ ...record, kind: 'other' }), 'kind'],
    ['empty reason', bytes({ ...record, reason: '' }), 'reason'],
    ['reason too long', bytes({ ...record, reason: 'x'.repeat(2001) }), 'reason'],
    ['a time that is no time', bytes({ ...record, heldAt: 'yesterday' }), 'heldAt'],
    ['another archive', bytes({ ...record, id: 'app/acme/2020-01-01T00-00-00.000Z' }), 'names another archive'],
    ['too large', Buffer.alloc(MAX_HOLD_BYTES + 1, 32), 'bytes'],
  ])('%s', (_name, raw, unreadable) => {
    const state = parseHold(ID, raw);
    if (unreadable === undefined) expect(state).toEqual({ record });
    else expect('unreadable' in state && state.unreadable).toContain(unreadable);
  });
});

describe('heldReasons', () => {
  it.each([
    [{ action: 'remove' as const, reasons: ['not kept by any rule'] }, { record } as never, ['legal hold: "case 7"', 'retention would remove it: not kept by any rule']],
    [{ action: 'keep' as const, reasons: ['last 1'] }, { record } as never, ['legal hold: "case 7"', 'last 1']],
    [
      { action: 'remove' as const, reasons: ['incomplete (no sidecar) since x'] },
      { unreadable: 'not valid JSON' },
      ['legal hold (reason unreadable)', 'retention would remove it: incomplete (no sidecar) since x'],
    ],
  ])('%j', (archive, state, expected) => {
    expect(heldReasons(archive, state)).toEqual(expected);
  });
});

describe('lockParamsFor', () => {
  const now = new Date('2026-12-01T00:00:00.000Z');
  const lock = { mode: 'compliance' as const, days: 30 };
  it.each([
    [`${ID}.zip`, lock, { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date('2026-12-31T00:00:00.000Z'), ChecksumAlgorithm: 'CRC32' }],
    [`${ID}.zip.age`, { mode: 'governance' as const, days: 1 }, { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date('2026-12-02T00:00:00.000Z'), ChecksumAlgorithm: 'CRC32' }],
    [`${ID}.manifest.json`, lock, { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date('2026-12-31T00:00:00.000Z'), ChecksumAlgorithm: 'CRC32' }],
    [holdKey(ID), lock, {}],
    ['_locks/storage.json', lock, {}],
    ['_audit/2026/12/01/a.ndjson', lock, {}],
    [`${ID}.zip`, undefined, {}],
  ])('%s with %j', (key, config, expected) => {
    expect(lockParamsFor(key, config, now)).toEqual(expected);
  });
});

describe('isLockRefusal', () => {
  it.each([
    [{ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, true],
    [{ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'Error', message: 'Object is WORM protected and cannot be overwritten', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } }, false],
    [{ name: 'InternalError', $metadata: { httpStatusCode: 500 } }, false],
    [{ code: 'ECONNRESET' }, false],
  ])('%j -> %s', (error, expected) => {
    expect(isLockRefusal(error)).toBe(expected);
  });
});
