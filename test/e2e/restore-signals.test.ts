/**
 * SIGTERM during a PostgreSQL restore: pg_restore is stopped inside its single transaction, so the
 * target database is exactly as it was, and orgbackup exits 143.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';

const later = cleanupsAfterAll();

describe('restore, interrupted', () => {
  it('leaves the target as it was when SIGTERM arrives mid-restore, and exits 143', async () => {
    const db = await createDb('rtsig');
    later(() => dropDb(db));
    // The CHECK sleeps only in orgbackup's own sessions (application_name), so loading the
    // fixture is quick and pg_restore's COPY takes about ten seconds: time to send SIGTERM.
    await psql(db, {
      sql: `CREATE FUNCTION slow_ok(x int) RETURNS boolean LANGUAGE sql IMMUTABLE
              AS $$ SELECT CASE WHEN current_setting('application_name') = 'orgbackup' THEN pg_sleep(0.5) IS NOT NULL ELSE true END $$;
            CREATE TABLE slow (x int CHECK (slow_ok(x)));
            CREATE TABLE plain (id int PRIMARY KEY, v text);
            INSERT INTO slow SELECT g FROM generate_series(1, 20) g;
            INSERT INTO plain SELECT g, 'v' || g FROM generate_series(1, 50) g;`,
    });
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db));
    const [id] = await createArchives(config);
    await psql(db, { sql: `DELETE FROM plain WHERE id > 40; UPDATE plain SET v = 'edited' WHERE id < 5; INSERT INTO slow VALUES (99);` });
    const before = await tableDigests(db);

    const child = execa(process.execPath, [BIN, '-c', config, '--json', 'restore', id!, '--yes', '--no-safety-backup'], { reject: false, env: { NO_COLOR: '1' } });
    let copying = false;
    for (let i = 0; i < 600 && !copying; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const rows = await pgQuery('postgres', `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'orgbackup' AND query ILIKE 'COPY%slow%'`, [db]);
      copying = rows.length > 0;
    }
    expect(copying).toBe(true);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(143);
    // The killed session's transaction is rolled back once the server notices; wait for it to go.
    for (let i = 0; i < 200; i++) {
      const busy = await pgQuery('postgres', `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'orgbackup'`, [db]);
      if (busy.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await tableDigests(db)).toEqual(before);
  });
});
