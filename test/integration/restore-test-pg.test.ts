/**
 * verify --restore-test (level 3) for PostgreSQL whole-database archives, through the built binary:
 * it passes on a good archive (Pagila), catches a doctored one that passes levels 1-2, restores a
 * second time over its first copy (the in-place path) and fails when only that path fails, and
 * drops its scratch database after success, after a failed restore and after SIGTERM.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { DATASETS_SKIP_REASON, dataset, hasDatasets } from '../helpers/datasets.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { createDb, dropDb, pgQuery, pgUrl, psql } from '../helpers/pg.js';
import { cleanupsAfterAll, pgOrgsUsers, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, failsRestoreTestOnly, pgSource, scratchDatabasesOf, verifyJson } from '../helpers/restore.js';
import { uniqueName } from '../helpers/tmp.js';

const later = cleanupsAfterAll();

function smallDb(): Promise<string> {
  return pgOrgsUsers(later, 'rtpg', { orgs: 40, users: 300 });
}

describe('verify --restore-test, PostgreSQL whole database', () => {
  it.skipIf(!hasDatasets)(`passes on the Pagila database and drops its scratch database (${hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON})`, async () => {
    const db = await createDb('rtpagila');
    later(() => dropDb(db));
    await psql(db, { file: dataset('pagila', 'pagila-schema.sql') });
    await psql(db, { file: dataset('pagila', 'pagila-data.sql') });
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db));
    const [id] = await createArchives(config);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.status).toBe('ok');
    expect(item!.levels).toEqual([1, 2, 3]);
    const [rental] = await pgQuery<{ n: string }>(db, 'SELECT count(*) AS n FROM public.rental');
    expect(item!.restoreTest!.rows).toBeGreaterThan(Number(rental!.n));
    expect(item!.restoreTest!.problems).toEqual([]);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('fails level 3 (exit 5) on a doctored archive whose levels 1 and 2 pass, and drops the scratch database', async () => {
    const db = await smallDb();
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db));
    const [id] = await createArchives(config);
    const doctored = await doctorArchive(`${dir}/backups`, id!, (manifest) => {
      manifest.tables.find((t) => t.name === 'public.users')!.rows = 299;
    });

    const item = await failsRestoreTestOnly(config, doctored);
    expect(item.error).toContain('public.users: 299 rows in the manifest, 300 restored');
    expect(await scratchDatabasesOf(db)).toEqual([]);

    const good = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(good.exitCode, good.stderr).toBe(0);
  });

  it('also restores over its first copy, the in-place path: partitioned tables with keys pass', async () => {
    const db = await smallDb();
    await psql(db, {
      sql: `CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            INSERT INTO events SELECT g, date '2025-01-01' + g FROM generate_series(1, 60) g;`,
    });
    const config = await configWith(await workDir(later), pgSource(db));
    const [id] = await createArchives(config);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.restoreTest).toMatchObject({ replaced: true, tables: 3, rows: 400, problems: [] });
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('fails level 3 when the archive loads into a new database but not over an existing one', async () => {
    const db = await smallDb();
    // Stands in for any failure of the in-place path only (partitioned tables' keys were one): in
    // a scratch database this CHECK holds the first time the table is loaded and fails the
    // second, remembering the first in the database's comment, which pg_dump does not archive.
    await psql(db, {
      sql: `CREATE FUNCTION first_load_ok() RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
              IF current_database() NOT LIKE 'ob_rt_%' THEN RETURN true; END IF;
              IF shobj_description((SELECT oid FROM pg_database WHERE datname = current_database()), 'pg_database') = 'loaded' THEN RETURN false; END IF;
              EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'loaded');
              RETURN true;
            END $$;
            CREATE TABLE guarded (x int CHECK (first_load_ok()));
            INSERT INTO guarded VALUES (1);`,
    });
    const config = await configWith(await workDir(later), pgSource(db));
    const [id] = await createArchives(config);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(res.exitCode).toBe(5);
    const [item] = verifyJson(res);
    expect(item).toMatchObject({ status: 'failed', failedLevel: 3, levels: [1, 2] });
    expect(item!.error).toContain('restoring it over an existing one (as restore does in place) failed');
    expect(item!.error).toContain('guarded_check');
    expect(item!.hint).toContain('--target');
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('drops the scratch database when the restore itself fails', async () => {
    const db = await smallDb();
    const role = uniqueName('rtrole');
    await pgQuery('postgres', `CREATE ROLE ${role}`);
    later(() => pgQuery('postgres', `DROP ROLE IF EXISTS ${role}`).then(() => undefined));
    await pgQuery(db, `ALTER TABLE users OWNER TO ${role}`);
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db));
    const [id] = await createArchives(config);
    // The archive now names an owner that no longer exists: pg_restore stops at ALTER ... OWNER TO.
    await pgQuery(db, `REASSIGN OWNED BY ${role} TO postgres`);
    await pgQuery('postgres', `DROP ROLE ${role}`);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(res.exitCode).toBe(5);
    const [item] = verifyJson(res);
    expect(item).toMatchObject({ status: 'failed', failedLevel: 3, levels: [1, 2] });
    expect(item!.error).toContain(role);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('restores on the server --scratch names', async () => {
    const db = await smallDb();
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db));
    await createArchives(config);
    const res = await runCli(['-c', config, '--json', 'verify', '--latest', '--restore-test', '--scratch', pgUrl('template1')]);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.restoreTest).toMatchObject({ tables: 2, rows: 340, problems: [] });
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('drops the scratch database when SIGTERM arrives during the restore, and exits 143', async () => {
    const db = await createDb('rtslow');
    later(() => dropDb(db));
    // Each row's CHECK sleeps in a scratch database (only there), so restoring this table takes
    // about ten seconds: time to send SIGTERM while pg_restore is loading.
    await psql(db, {
      sql: `CREATE FUNCTION slow_ok(x int) RETURNS boolean LANGUAGE sql IMMUTABLE
              AS $$ SELECT CASE WHEN current_database() LIKE 'ob_rt_%' THEN pg_sleep(0.5) IS NOT NULL ELSE true END $$;
            CREATE TABLE slow (x int CHECK (slow_ok(x)));
            INSERT INTO slow SELECT g FROM generate_series(1, 20) g;`,
    });
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db));
    const [id] = await createArchives(config);

    const child = execa(process.execPath, [BIN, '-c', config, '--json', 'verify', id!, '--restore-test'], { reject: false, env: { NO_COLOR: '1' } });
    let scratch: string | undefined;
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stderr.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const match = /restoring into database [^"\s]+\/(ob_rt_[a-z0-9_]+)/.exec(buffer);
        if (match && !scratch) {
          scratch = match[1];
          resolve();
        }
      });
      child.then(() => reject(new Error(`verify ended before its restore test began: ${buffer}`)), reject);
    });
    // Wait until pg_restore is really loading into the scratch database.
    for (let i = 0; i < 200; i++) {
      const busy = await pgQuery('postgres', `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'COPY%'`, [scratch]);
      if (busy.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
    expect(await pgQuery('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [scratch])).toEqual([]);
  });
});
