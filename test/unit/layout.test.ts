import { describe, expect, it } from 'vitest';
import {
  archiveId,
  archiveKey,
  decodeTenant,
  encodeTenant,
  formatTimestamp,
  parseArchiveId,
  parseKey,
  parseTimestamp,
  sidecarKey,
  keyNamesTenant,
  tenantKeyPart,
  tenantPrefix,
} from '../../src/archive/layout.js';

describe('tenant id encoding', () => {
  it.each([
    ['org-42', 'org-42'],
    ['Acme_Corp.v2', 'Acme_Corp.v2'],
    ['.', '%2E'],
    ['..', '%2E.'],
    ['.hidden', '%2Ehidden'],
    ['a/b', 'a%2Fb'],
    ['../../etc', '%2E.%2F..%2Fetc'],
    ['with space', 'with%20space'],
    ['quote\'"', 'quote%27%22'],
    ['$(rm -rf /);`x`', '%24%28rm%20-rf%20%2F%29%3B%60x%60'],
    ['100%', '100%25'],
    ['zürich', 'z%C3%BCrich'],
    ['東京', '%E6%9D%B1%E4%BA%AC'],
  ])('%j -> %s and back', (id, encoded) => {
    expect(encodeTenant(id)).toBe(encoded);
    expect(decodeTenant(encoded)).toBe(id);
    expect(encoded).toMatch(/^[A-Za-z0-9._%-]+$/);
    expect(['.', '..']).not.toContain(encoded);
    expect(encoded.startsWith('.')).toBe(false);
  });

  it('refuses an empty tenant id', () => {
    expect(() => encodeTenant('')).toThrow(/empty/);
  });
});

describe('timestamps', () => {
  it.each([
    ['2026-11-20T02:00:00.000Z', '2026-11-20T02-00-00.000Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23-59-59.999Z'],
  ])('%s formats as %s and parses back', (iso, formatted) => {
    expect(formatTimestamp(new Date(iso))).toBe(formatted);
    expect(parseTimestamp(formatted)?.toISOString()).toBe(iso);
  });

  it.each(['2026-11-20T02:00:00.000Z', '2026-13-20T02-00-00.000Z', '2026-11-20', 'latest', '2026-11-20T02-00-00Z'])('rejects %s', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('sorts lexically in time order', () => {
    const times = ['2026-01-02T00:00:00.000Z', '2025-12-31T23:59:59.999Z', '2026-01-01T12:00:00.000Z'].map((t) => formatTimestamp(new Date(t)));
    expect([...times].sort()).toEqual([times[1], times[2], times[0]]);
  });
});

describe('archive ids and keys', () => {
  const ts = '2026-11-20T02-00-00.000Z';

  it.each([
    [{ source: 'app', tenant: '_all', timestamp: ts }, `app/_all/${ts}`],
    [{ source: 'app', tenant: 'a/b', timestamp: ts }, `app/a%2Fb/${ts}`],
    [{ source: 'media', tenant: '..', timestamp: ts }, `media/%2E./${ts}`],
  ])('%j has id %s', (ref, id) => {
    expect(archiveId(ref)).toBe(id);
    expect(parseArchiveId(id)).toEqual(ref);
  });

  it.each([
    [`app/_all/${ts}.zip`, 'archive', false],
    [`app/_all/${ts}.zip.age`, 'archive', true],
    [`app/_all/${ts}.manifest.json`, 'sidecar', false],
  ] as const)('parses key %s', (key, kind, encrypted) => {
    expect(parseKey(key)).toMatchObject({ id: `app/_all/${ts}`, kind, encrypted });
  });

  it.each([
    `_state/nightly/${ts}.json`,
    `app/_all/.${ts}.zip.tmp-1-ab`,
    `app/../x/${ts}.zip`,
    `app/.x/${ts}.zip`,
    `app/_all/${ts}.tar`,
    'README',
    `a/b/c/${ts}.zip`,
    `app/%61cme/${ts}.zip`,
    `app/%2E%2E%2Fvictim/${ts}.manifest.json`,
    `app/a%2fb/${ts}.zip`,
  ])('ignores %s', (key) => {
    expect(parseKey(key)).toBeUndefined();
  });

  it('builds archive and sidecar keys', () => {
    expect(archiveKey(`app/_all/${ts}`, false)).toBe(`app/_all/${ts}.zip`);
    expect(archiveKey(`app/_all/${ts}`, true)).toBe(`app/_all/${ts}.zip.age`);
    expect(sidecarKey(`app/_all/${ts}`)).toBe(`app/_all/${ts}.manifest.json`);
  });
});

describe('tenant key parts fit one path component (NAME_MAX 255 bytes), long ids hashed', () => {
  const hashed = /^(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+~[0-9a-f]{32}$/;
  it.each([
    ['acme', 'acme', 'acme', 4],
    ['255 x y', 'y'.repeat(255), 'y'.repeat(255), 255],
    ['28 CJK', '漢'.repeat(28), encodeTenant('漢'.repeat(28)), 252],
    ['256 x x', 'x'.repeat(256), undefined, 233],
    ['300 x x', 'x'.repeat(300), undefined, 233],
    ['5000 x x', 'x'.repeat(5000), undefined, 233],
    ['29 CJK', '漢'.repeat(29), undefined, 231],
    ['1000 CJK', '漢'.repeat(1000), undefined, 231],
    ['a + 100 CJK', 'a' + '漢'.repeat(100), undefined, 232],
  ])('%s', (_label, id, plain, bytes) => {
    const part = tenantKeyPart(id);
    expect(Buffer.byteLength(part)).toBe(bytes);
    if (plain !== undefined) expect(part).toBe(plain);
    else {
      expect(part).toMatch(hashed);
      // The readable prefix is the start of the encoding, never a cut %XX escape.
      expect(encodeTenant(id).startsWith(part.split('~')[0]!)).toBe(true);
    }
    const id1 = archiveId({ source: 'app', tenant: id, timestamp: '2026-11-20T02-00-00.000Z' });
    expect(tenantPrefix('app', id)).toBe(`app/${part}/`);
    const parsed = parseKey(archiveKey(id1, true));
    expect(parsed?.id).toBe(id1);
    expect(parsed?.ref.hashedTenant).toBe(plain === undefined ? true : undefined);
    expect(parsed?.ref.tenant).toBe(plain === undefined ? part : id);
    expect(keyNamesTenant(parsed!.ref, id)).toBe(true);
    expect(keyNamesTenant(parsed!.ref, id + 'z')).toBe(false);
    // S3's limit: 1024 bytes for a whole key, with a source name of 64 characters.
    expect(Buffer.byteLength(sidecarKey(archiveId({ source: 's'.repeat(64), tenant: id, timestamp: '2026-11-20T02-00-00.000Z' })))).toBeLessThan(1024);
  });
  it('ids that share a long prefix get different keys', () => {
    expect(tenantKeyPart('x'.repeat(300) + 'a')).not.toBe(tenantKeyPart('x'.repeat(300) + 'b'));
  });
  it.each([
    [`app/${'x'.repeat(200)}~${'0'.repeat(31)}/2026-11-20T02-00-00.000Z`],
    [`app/${'x'.repeat(200)}~${'A'.repeat(32)}/2026-11-20T02-00-00.000Z`],
    [`app/${'x'.repeat(223)}~${'0'.repeat(32)}/2026-11-20T02-00-00.000Z`],
    [`app/${'x'.repeat(256)}/2026-11-20T02-00-00.000Z`],
    [`app/~${'0'.repeat(32)}/2026-11-20T02-00-00.000Z`],
  ])('refuses %s', (id) => {
    expect(parseArchiveId(id)).toBeUndefined();
  });
});
