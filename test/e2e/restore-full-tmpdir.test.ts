/**
 * A restore whose temp directory fills up ends, with a clear error, and stops every child: the
 * built binary restores into a new PostgreSQL database with --jobs 2 (the zstd-compressed dump is
 * decompressed into TMPDIR for pg_restore -j) and into MySQL (the verified copy of db.sql is
 * spooled there), with TMPDIR on a 1 MiB tmpfs (mounted by the test, which runs as root as the
 * project's test machines do). Before, the PostgreSQL restore printed "internal error: ENOSPC"
 * and never exited: the decompressor kept running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlExec, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, pgQuery, pgUrl, psql } from '../helpers/pg.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function fullTmpdir(dir: string): Promise<string> {
  const mount = path.join(dir, 'small-tmp');
  await mkdir(mount);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
  cleanups.push(() => execa('umount', [mount]));
  return mount;
}

/** The restore in a child with TMPDIR on the small tmpfs; a hang ends as a kill after 2 minutes. */
async function restoreWithFullTmpdir(config: string, tmpdir: string, args: string[]) {
  const res = await runCli(['-c', config, ...args, '--yes'], { env: { TMPDIR: tmpdir }, timeout: 120_000 });
  expect(res.exitCode, `${res.stderr} (killed by the 2-minute guard: the restore hung)`).toBe(1);
  expect(res.stderr).toMatch(/the temp directory .*small-tmp is full \(ENOSPC\)/);
  expect(res.stderr).not.toMatch(/internal error/);
  return res;
}

describe('restore with a full temp directory', () => {
  it('PostgreSQL, new database, --jobs 2: ends with a clear error and leaves no database', async () => {
    const work = await tempDir('orgbackup-fulltmp-');
    cleanups.push(() => work.cleanup());
    const db = await createDb('obfulltmp');
    cleanups.push(() => dropDb(db));
    // Over 8 MiB of table data, so the dump goes through a zstd process (the child that hung).
    await psql(db, { sql: 'CREATE TABLE t AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) AS payload FROM generate_series(1, 150000) g;' });
    const config = await writeConfig(work.dir, { version: 1, sources: { app: { type: 'postgres', url: pgUrl(db) } }, storage: { local: { type: 'local', path: path.join(work.dir, 'backups') } } });
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives as { id: string }[])[0]!.id;

    const target = uniqueName('obfulltmpt');
    cleanups.push(() => dropDb(target));
    await restoreWithFullTmpdir(config, await fullTmpdir(work.dir), ['restore', id, '--target', pgUrl(target), '--jobs', '2']);
    expect(await pgQuery('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [target])).toEqual([]);
  });

  it('MySQL whole database: ends with a clear error before the database is touched', async () => {
    const work = await tempDir('orgbackup-fulltmp-');
    cleanups.push(() => work.cleanup());
    const db = await createMysqlDb('obfulltmp');
    cleanups.push(() => dropMysqlDb(db));
    // About 4 MiB of hex digits, 2 MiB or more compressed: more than the tmpfs holds.
    const rows = Array.from(
      { length: 64 },
      (_, i) => `(${i}, (SELECT GROUP_CONCAT(SHA2(CONCAT(RAND(), ${i}, seq), 512) SEPARATOR '') FROM (SELECT a.d * 100 + b.d * 10 + c.d AS seq FROM d a, d b, d c) s))`,
    ).join(',');
    await mysqlExec(
      db,
      `CREATE TABLE d (d INT PRIMARY KEY); INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9); SET SESSION group_concat_max_len = 1048576; CREATE TABLE blobs (id INT PRIMARY KEY, data MEDIUMTEXT); INSERT INTO blobs VALUES ${rows};`,
    );
    const config = await writeConfig(work.dir, { version: 1, sources: { app: { type: 'mysql', url: mysqlUrl(db) } }, storage: { local: { type: 'local', path: path.join(work.dir, 'backups') } } });
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives as { id: string }[])[0]!.id;

    await mysqlExec(db, 'DELETE FROM blobs WHERE id < 10;');
    const before = await mysqlDigests(db);
    await restoreWithFullTmpdir(config, await fullTmpdir(work.dir), ['restore', id, '--no-safety-backup']);
    expect(await mysqlDigests(db)).toEqual(before);
  });
});
