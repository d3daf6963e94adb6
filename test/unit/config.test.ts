import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { interpolate } from '../../src/config/interpolate.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const minimal = {
  version: 1,
  sources: { app: { type: 'postgres', url: 'postgres://backup@db:5432/app' } },
  storage: { local: { type: 'local', path: './backups' } },
};

function problemsOf(raw: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(raw, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('interpolation', () => {
  it.each([
    ['${HOST}', { HOST: 'db' }, 'db', []],
    ['${HOST:-localhost}', {}, 'localhost', []],
    ['${HOST:-localhost}', { HOST: 'db' }, 'db', []],
    ['${EMPTY:-}', {}, '', []],
    ['postgres://${USER}@${HOST:-x}/app', { USER: 'u' }, 'postgres://u@x/app', []],
    ['$${LITERAL}', {}, '${LITERAL}', []],
    ['${MISSING}', {}, '', ['a.b: environment variable MISSING is not set (use ${MISSING:-default} for a default)']],
  ])('%s with %j -> %j', (text, env, expected, problems) => {
    const found: string[] = [];
    expect(interpolate({ a: { b: text } }, env, found)).toEqual({ a: { b: expected } });
    expect(found).toEqual(problems);
  });
});

describe('validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const config = parseConfig(minimal, {});
    expect(config.defaults).toEqual({ compression: 'zstd', jobs: 2 });
    expect(config.sources.app?.tenants.mode).toBe('none');
  });

  it.each([
    [{ ...minimal, version: 2 }, ['version: must be 1 (got 2)']],
    [{ ...minimal, storage: { local: { type: 'ftp', path: 'x' } } }, ['storage.local.type: must be one of local, s3, rclone (got "ftp")']],
    [{ ...minimal, defaults: { storage: ['ofsite'] } }, ['defaults.storage.0: unknown storage "ofsite" (defined: local)']],
    [
      { ...minimal, sources: { app: { type: 'postgres', url: 'postgres://x/y', tenants: { mode: 'rows' } } } },
      [
        'sources.app.tenants.column: mode "rows" needs the tenant column, e.g. "org_id"',
        'sources.app.tenants.query: mode "rows" needs a query returning the tenant ids, e.g. "SELECT id, slug AS name FROM organizations"',
      ],
    ],
    [{ ...minimal, sources: { f: { type: 'files', path: '.', tenants: { mode: 'rows' } } } }, ['sources.f.tenants.mode: "rows" is not available for files sources (use none, directory)']],
    [{ ...minimal, sources: { app: { type: 'postgres', url: 'postgres://x/y', tenants: { mode: 'database' } } } }, ['sources.app.tenants: mode "database" needs "match" (a LIKE pattern) or "query"']],
    [{ ...minimal, unknownKey: true }, ['unknownKey: unknown key (allowed: $schema, version, sources']],
    [{ ...minimal, schedules: { nightly: { cron: '0 2 * * *', sources: ['nope'] } } }, ['schedules.nightly.sources.0: unknown source "nope" (defined: app)']],
  ])('reports every problem as path: message (%#)', (raw, expected) => {
    const problems = problemsOf(raw);
    for (const want of expected) expect(problems.some((p) => p.startsWith(want))).toBe(true);
  });

  it('reports all problems at once, including missing variables', () => {
    const problems = problemsOf({ ...minimal, sources: { app: { type: 'postgres', url: '${DB_URL}' } }, defaults: { storage: ['nope'], jobs: 0 } });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^sources\.app\.url: environment variable DB_URL/), expect.stringMatching(/^defaults\.jobs:/)]));
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});

describe('loading', () => {
  it('finds backup.config.json, reads comments, and names a missing --config', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orgbackup-config-'));
    try {
      await writeFile(path.join(dir, 'backup.config.json'), `// comment\n${JSON.stringify(minimal)}`);
      const loaded = await loadConfig({ cwd: dir, env: {} });
      expect(loaded.filepath).toBe(path.join(dir, 'backup.config.json'));
      expect(loaded.baseDir).toBe(dir);
      await expect(loadConfig({ cwd: dir, env: {}, configPath: 'nope.json' })).rejects.toThrow(UsageError);
      const viaEnv = await loadConfig({ cwd: os.tmpdir(), env: { ORGBACKUP_CONFIG: path.join(dir, 'backup.config.json') } });
      expect(viaEnv.config.version).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
