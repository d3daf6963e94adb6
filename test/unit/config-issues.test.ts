import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { closest } from '../../src/util/closest.js';

type Entry = Record<string, unknown>;
interface Raw {
  version: unknown;
  sources: Record<string, Entry>;
  storage: Record<string, Entry>;
  [key: string]: unknown;
}
const minimal = (): Raw => ({
  version: 1,
  sources: { x: { type: 'postgres', url: 'postgres://backup@db/app' } },
  storage: { l: { type: 'local', path: './backups' } },
});

function problemsOf(change: (c: Raw) => void): string[] {
  const raw = minimal();
  change(raw);
  try {
    parseConfig(raw, {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("config problems in the user's words", () => {
  it.each<{ name: string; change: (c: Raw) => void; want: string[] }>([
    {
      name: 'mistyped source type',
      change: (c) => (c.sources.x!.type = 'postgress'),
      want: ['sources.x.type: must be one of postgres, mysql, sqlite, files (got "postgress"; did you mean "postgres"?)'],
    },
    { name: 'missing source type', change: (c) => delete c.sources.x!.type, want: ['sources.x.type: must be one of postgres, mysql, sqlite, files (missing)'] },
    { name: 'unknown key with a near miss', change: (c) => (c.sources.x!.tenants = { colum: 'org_id' }), want: ['sources.x.tenants.colum: unknown key (did you mean "column"?)'] },
    { name: 'unknown key in a union member', change: (c) => (c.storage.l!.pth = '/x'), want: ['storage.l.pth: unknown key (did you mean "path"?)'] },
    { name: 'unknown key, nothing near', change: (c) => (c.storage.l!.zzzz = 1), want: ['storage.l.zzzz: unknown key (allowed: type, path)'] },
    { name: 'unknown key under a catchall', change: (c) => (c.retention = { plans: { gold: { keepLst: 1 } } }), want: ['retention.plans.gold.keepLst: unknown key (did you mean "keepLast"?)'] },
    { name: 'case slip', change: (c) => (c.sources.x!.passwordfile = '/run/pw'), want: ['sources.x.passwordfile: unknown key (did you mean "passwordFile"?)'] },
    {
      name: 'enum typo',
      change: (c) => (c.sources.x!.tenants = { mode: 'rowz' }),
      want: ['sources.x.tenants.mode: must be one of none, database, schema, rows, directory (got "rowz"; did you mean "rows"?)'],
    },
    { name: 'enum miss', change: (c) => (c.defaults = { compression: 'lz4' }), want: ['defaults.compression: must be one of zstd, gzip, none (got "lz4")'] },
    { name: 'wrong version', change: (c) => (c.version = 2), want: ['version: must be 1 (got 2)'] },
    { name: 'wrong type', change: (c) => (c.sources.x!.url = 5), want: ['sources.x.url: must be a string (got 5)'] },
    { name: 'required', change: (c) => delete c.storage.l!.path, want: ['storage.l.path: is required (a string)'] },
    { name: 'fraction', change: (c) => (c.sources.x!.jobs = 1.5), want: ['sources.x.jobs: must be a whole number (got 1.5)'] },
    { name: 'too big', change: (c) => (c.sources.x!.jobs = 100), want: ['sources.x.jobs: must be at most 64'] },
    { name: 'empty string', change: (c) => (c.sources.x!.url = ''), want: ['sources.x.url: must not be empty'] },
    { name: 'bad record name', change: (c) => (c.sources['bad name'] = { type: 'files', path: '.' }), want: ['sources.bad name: this name is not allowed (use letters, digits, ".", "_" and "-")'] },
    { name: 'not an object', change: (c) => (c.sources.x = 'postgres://x' as never), want: ['sources.x: must be an object (got "postgres://x")'] },
  ])('$name', ({ change, want }) => {
    expect(problemsOf(change)).toEqual(want);
  });

  it('never shows zod wording', () => {
    const problems = problemsOf((c) => {
      c.version = 'one';
      c.bogus = true;
      c.sources.x!.type = 'ftp';
      c.storage.l!.path = 7;
      c.defaults = { jobs: 0, compression: 'x' };
    });
    expect(problems.length).toBe(6);
    for (const p of problems) expect(p).not.toMatch(/Invalid|Unrecognized|expected|received|discriminator|Too (big|small)/);
  });

  it('an unknown key does not hide the other problems', () => {
    const problems = problemsOf((c) => {
      c.sources.x!.tenants = { mode: 'rows', colum: 'org_id', query: 'SELECT id FROM orgs' };
      c.defaults = { storage: ['offsite'] };
    });
    expect(problems).toEqual([
      'sources.x.tenants.colum: unknown key (did you mean "column"?)',
      'sources.x.tenants.column: mode "rows" needs the tenant column, e.g. "org_id"',
      'defaults.storage.0: unknown storage "offsite" (defined: l)',
    ]);
  });
});

describe('did you mean', () => {
  it.each([
    ['colum', ['column', 'query', 'mode'], 'column'],
    ['pth', ['type', 'path'], 'path'],
    ['PasswordFile', ['password', 'passwordFile'], 'passwordFile'],
    ['keepLst', ['keepLast', 'keepDaily'], 'keepLast'],
    ['zzzz', ['type', 'path'], undefined],
    ['db', ['url', 'jobs'], undefined],
    ['', ['a'], 'a'],
  ])('%s among %j -> %s', (word, candidates, want) => {
    expect(closest(word, candidates)).toBe(want);
  });
});
