/**
 * The "Recovering without orgbackup" steps of docs/recovery.md, run as written against a real encrypted
 * archive with stock tools only (age, unzip, sha256sum, zstd, python3, createdb, pg_restore): only the
 * example paths and database name are replaced. If the page changes, this test runs the change.
 */
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { PG_HOST, PG_PORT, PG_USER, dropDb, pgQuery, tableDigests } from '../helpers/pg.js';
import { FIRST_HEADING, ran, recoveryBlock, runSteps, substitute } from '../helpers/recovery-doc.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { ageKey, baseConfig, filesFixture, pgFixture, storedObjects } from '../integration/encryption-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const PG_ENV = { PGHOST: PG_HOST, PGPORT: String(PG_PORT), PGUSER: PG_USER };

/** An encrypted whole-database archive of `db`, then the page's first block run on it: the recovered database. */
async function recoverWithDocSteps(db: string): Promise<{ recovered: string; run: Awaited<ReturnType<typeof runSteps>> }> {
  const steps = await recoveryBlock(FIRST_HEADING);
  // The steps this test exists for are still there.
  for (const tool of ['age -d -i', 'unzip', 'sha256sum -c SHA256SUMS', 'zstd -d', 'createdb -E', 'pg_restore']) expect(steps.join('\n')).toContain(tool);
  const tmp = await tempDir('orgbackup-recover-');
  cleanups.push(() => tmp.cleanup());
  const key = await ageKey(tmp.dir, 'key');
  const config = baseConfig(db, await filesFixture(tmp.dir), { recipients: [key.recipient] });
  config.defaults.compression = 'zstd';
  const created = await runCli(['-c', await writeConfig(tmp.dir, config), '--json', 'create', '--source', 'app']);
  expect(created.exitCode, created.stderr).toBe(0);
  const [archive] = await storedObjects(path.join(tmp.dir, 'backups'));

  const recovered = uniqueName('ob_recovered');
  cleanups.push(() => dropDb(recovered));
  const script = substitute(steps, archive!.object, key.file, { '/tmp/recover': path.join(tmp.dir, 'recover'), app_recovered: recovered });
  expect(script.filter((line, i) => line !== steps[i]).length, 'ARCHIVE, KEY, the directory and database were substituted').toBeGreaterThanOrEqual(4);
  const run = await runSteps(script, PG_ENV);
  expect(run.exitCode, run.stderr).toBe(0);
  for (const command of ['age -d -i', 'unzip archive.zip', 'sha256sum -c SHA256SUMS', 'createdb -E', 'pg_restore -d']) expect(ran(run.stderr, command), `step "${command}" ran`).toBe(true);
  return { recovered, run };
}

async function localeOf(db: string) {
  const [row] = await pgQuery(db, 'SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = current_database()');
  return row;
}

describe('docs/recovery.md: recovering without orgbackup', () => {
  it('the documented steps recover an encrypted PostgreSQL archive with stock tools', async () => {
    const db = await pgFixture();
    cleanups.push(() => dropDb(db));
    // Over 8 MiB of table data, so the dump goes through zstd (smaller ones are pg_dump-compressed).
    await pgQuery(db, `CREATE TABLE padding AS SELECT g AS id, repeat(md5(g::text), 8) AS filler FROM generate_series(1, 40000) g`);
    const { recovered, run } = await recoverWithDocSteps(db);
    expect(ran(run.stderr, 'zstd -d db.pgdump.zst'), 'the zstd step ran').toBe(true);
    expect(run.stdout).toMatch(/^db\.pgdump\.zst: OK$/m);
    expect(await tableDigests(recovered)).toEqual(await tableDigests(db));
  });

  it('a LATIN1 / C database comes back LATIN1 / C with the same bytes', async () => {
    const db = uniqueName('ob_rec_latin1');
    await execa('createdb', ['-E', 'LATIN1', '-l', 'C', '-T', 'template0', db], { env: PG_ENV });
    cleanups.push(() => dropDb(db));
    // Through node-postgres (client encoding UTF8), so the server converts the text to LATIN1.
    await pgQuery(db, `CREATE TABLE words (id int PRIMARY KEY, word text NOT NULL); INSERT INTO words VALUES (1, 'café'), (2, 'Zürich'), (3, 'año')`);
    const { recovered } = await recoverWithDocSteps(db);
    expect(await localeOf(recovered)).toEqual({ encoding: 'LATIN1', collate: 'C', ctype: 'C' });
    expect(await tableDigests(recovered)).toEqual(await tableDigests(db));
    const [word] = await pgQuery(recovered, `SELECT encode(convert_to(word, 'LATIN1'), 'hex') AS bytes FROM words WHERE id = 1`);
    expect(word).toEqual({ bytes: '636166e9' });
  });
});
