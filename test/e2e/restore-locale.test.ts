/**
 * Databases a restore creates get the archived database's encoding and locale: a LATIN1 / C
 * database (createdb -E LATIN1 -l C -T template0) comes back LATIN1 / C, not as the server's
 * UTF8 / C.UTF-8, through `--target`, after a DROP, and in the restore test, with its text intact.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidecarKey } from '../../src/archive/layout.js';
import { runCli } from '../helpers/cli.js';
import { dropDb, PG_HOST, PG_PORT, PG_USER, pgQuery, pgUrl, tableDigests } from '../helpers/pg.js';
import { configWith, createArchives, pgSource, verifyJson } from '../helpers/restore.js';
import { tempDir, uniqueName } from '../helpers/tmp.js';

const LATIN1 = { encoding: 'LATIN1', collate: 'C', ctype: 'C' };
const cleanups: (() => Promise<unknown>)[] = [];
let prefix: string;
let db: string;
let dir: string;
let config: string;
let id: string;

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function localeOf(database: string): Promise<Record<string, string>> {
  const [row] = await pgQuery<{ encoding: string; collate: string; ctype: string }>(
    'postgres',
    'SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = $1',
    [database],
  );
  return { ...row };
}

beforeAll(async () => {
  prefix = uniqueName('rlocale');
  db = `${prefix}_t`;
  await execa('createdb', ['-h', PG_HOST, '-p', String(PG_PORT), '-U', PG_USER, '-E', 'LATIN1', '-l', 'C', '-T', 'template0', db]);
  cleanups.push(() => dropDb(db));
  // Through node-postgres (client encoding UTF8), so the server converts the text to LATIN1.
  await pgQuery(db, `CREATE TABLE words (id int PRIMARY KEY, word text NOT NULL); INSERT INTO words VALUES (1, 'café'), (2, 'Zürich'), (3, 'año'), (4, 'apple');`);
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  dir = tmp.dir;
  config = await configWith(dir, pgSource('postgres', { mode: 'database', match: `${prefix}%` }));
  [id] = (await createArchives(config, ['--source', 'app', '--tenant', db])) as [string];
});

describe('restore keeps the database encoding and locale (PostgreSQL)', () => {
  it('records them in the manifest', async () => {
    const sidecar = JSON.parse(await readFile(path.join(dir, 'backups', sidecarKey(id)), 'utf8'));
    expect(sidecar.source.locale).toEqual(LATIN1);
  });

  it('creates a --target database with them', async () => {
    const target = `${prefix}_copy`;
    cleanups.push(() => dropDb(target));
    const res = await runCli(['-c', config, 'restore', id, '--target', pgUrl(target), '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await localeOf(target)).toEqual(LATIN1);
    expect(await tableDigests(target)).toEqual(await tableDigests(db));
    // C collation: bytes order, capitals first.
    const sorted = await pgQuery<{ word: string }>(target, 'SELECT word FROM words ORDER BY word');
    expect(sorted.map((r) => r.word)).toEqual(['Zürich', 'apple', 'año', 'café']);
  });

  it('recreates a dropped tenant database with them', async () => {
    const before = await tableDigests(db);
    await dropDb(db);
    const res = await runCli(['-c', config, 'restore', id, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await localeOf(db)).toEqual(LATIN1);
    expect(await tableDigests(db)).toEqual(before);
    const [word] = await pgQuery<{ word: string; bytes: string }>(db, `SELECT word, encode(convert_to(word, 'LATIN1'), 'hex') AS bytes FROM words WHERE id = 1`);
    expect(word).toEqual({ word: 'café', bytes: '636166e9' });
  });

  it('restore-tests in a scratch database created with them', async () => {
    const res = await runCli(['-c', config, '--json', 'verify', id, '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(verifyJson(res)[0]).toMatchObject({ levels: [1, 2, 3], restoreTest: { problems: [], locale: LATIN1 } });
  });
});
