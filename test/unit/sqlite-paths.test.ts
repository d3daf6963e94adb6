import { describe, expect, it } from 'vitest';
import { fileSetOf, globToRegExp, tenantIdOf } from '../../src/sources/sqlite/paths.js';

describe('globToRegExp', () => {
  it.each([
    ['*.sqlite', 'acme.sqlite', true],
    ['*.sqlite', 'acme.sqlite-wal', false],
    ['*.sqlite', '.hidden.sqlite', false],
    ['.*.sqlite', '.hidden.sqlite', true],
    ['tenant-?.db', 'tenant-7.db', true],
    ['tenant-?.db', 'tenant-17.db', false],
    ['[ab]*.db', 'beta.db', true],
    ['[!ab]*.db', 'beta.db', false],
    ['[!ab]*.db', 'gamma.db', true],
    ['a+b(1).db', 'a+b(1).db', true],
    ['a+b(1).db', 'aab1.db', false],
    ['*', 'x/y', false],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});

describe('tenantIdOf', () => {
  it.each([
    ['acme.sqlite', 'acme'],
    ['acme.v2.db', 'acme.v2'],
    ['acme', 'acme'],
    ['.profile', '.profile'],
  ])('%s -> %s', (file, id) => {
    expect(tenantIdOf(file)).toBe(id);
  });
});

describe('fileSetOf', () => {
  it.each([
    ['/data/tenants/*.sqlite', undefined, '/data/tenants', 'acme.sqlite', true],
    ['/data/tenants', '*.db', '/data/tenants', 'acme.db', true],
    ['/data/tenants', '*.db', '/data/tenants', 'acme.sqlite', false],
  ])('%s with match %s reads %s', (root, match, dir, name, matches) => {
    const set = fileSetOf(root, match, 'src');
    expect(set.dir).toBe(dir);
    expect(set.pattern?.test(name)).toBe(matches);
  });

  it('without a wildcard or match, sniffs the SQLite header (no pattern)', () => {
    expect(fileSetOf('/data/tenants', undefined, 'src')).toEqual({ dir: '/data/tenants', pattern: null });
  });

  it('refuses a wildcard outside the last path segment', () => {
    expect(() => fileSetOf('/data/*/db.sqlite', undefined, 'src')).toThrow(/only the last part/);
  });
});
