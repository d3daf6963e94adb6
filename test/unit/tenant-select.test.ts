import { describe, expect, it } from 'vitest';
import { selectTenants, uniqueTenants } from '../../src/backup/select.js';
import { exitCodeForBackups } from '../../src/commands/create.js';
import { applyExclude, type Source, type Tenant } from '../../src/sources/types.js';
import type { TenantBackup } from '../../src/backup/backup-tenant.js';
import { UsageError } from '../../src/errors.js';

const source = { name: 'app' } as Source;
const discovered: Tenant[] = [{ id: '1', name: 'one' }, { id: '2' }, { id: 'a/b' }, { id: '..' }];

describe('selectTenants', () => {
  it.each([
    ['no --tenant: every discovered tenant', undefined, ['1', '2', 'a/b', '..']],
    ['empty list: every discovered tenant', [], ['1', '2', 'a/b', '..']],
    ['in the order asked, duplicates once', ['2', '1', '2'], ['2', '1']],
    ['ids are compared exactly, never as paths', ['a/b', '..'], ['a/b', '..']],
  ])('%s', (_label, requested, expected) => {
    expect(selectTenants(source, discovered, requested).map((t) => t.id)).toEqual(expected);
  });

  it('keeps names of selected tenants', () => {
    expect(selectTenants(source, discovered, ['1'])).toEqual([{ id: '1', name: 'one' }]);
  });

  it.each([
    [['3'], /unknown tenant "3" in source "app"/],
    [['1', 'x', 'y'], /unknown tenant "x", "y"/],
    [['a'], /unknown tenant "a"/],
  ])('unknown ids %j are a usage error naming them', (requested, message) => {
    expect(() => selectTenants(source, discovered, requested)).toThrowError(message);
    expect(() => selectTenants(source, discovered, requested)).toThrowError(UsageError);
  });
});

describe('uniqueTenants', () => {
  it.each([
    ['no repeats', [{ id: '1' }, { id: '2' }], ['1', '2'], []],
    ['a repeated id keeps its first entry', [{ id: '1', name: 'first' }, { id: '2' }, { id: '1', name: 'second' }], ['1', '2'], ['1']],
    ['ids differ by case: both kept', [{ id: 'a' }, { id: 'A' }], ['a', 'A'], []],
    ['nothing', [], [], []],
  ])('%s', (_label, tenants, ids, repeated) => {
    const result = uniqueTenants(tenants);
    expect(result.tenants.map((t) => t.id)).toEqual(ids);
    expect(result.repeated).toEqual(repeated);
    if (ids.includes('1') && repeated.includes('1')) expect(result.tenants[0]!.name).toBe('first');
  });
});

describe('applyExclude', () => {
  it.each([
    [[], ['1', '2', 'a/b', '..']],
    [
      ['2', '..'],
      ['1', 'a/b'],
    ],
    [['not-there'], ['1', '2', 'a/b', '..']],
  ])('exclude %j', (exclude, expected) => {
    expect(applyExclude(discovered, exclude).map((t) => t.id)).toEqual(expected);
  });
});

describe('exit status over tenants', () => {
  const backup = (status: TenantBackup['status']): TenantBackup => ({ source: 'app', tenant: 't', id: 'app/t/x', status, durationMs: 1, storages: [] });
  it.each([
    [['ok', 'ok'], 0],
    [['ok', 'failed'], 3],
    [['ok', 'partial'], 3],
    [['failed', 'failed'], 1],
    [['failed'], 1],
  ] as const)('%j -> %i', (statuses, code) => {
    expect(exitCodeForBackups(statuses.map(backup))).toBe(code);
  });
});
