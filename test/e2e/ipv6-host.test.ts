/**
 * A PostgreSQL source at an IPv6 literal (`postgres://user@[::1]:port/db`), through the built
 * binary, logging in with a password: backup, restore test (its scratch database's URL is built from the host) and restore.
 * WHATWG URL keeps the brackets in `hostname`, which libpq and the tools then tried to resolve as a
 * name. Needs the server to listen on ::1 (scripts/test-servers.sh does); skipped, saying so, when not.
 */
import pg from 'pg';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PG_PORT, PG_USER, createDb, createPasswordRole, dropDb, pgQuery, psql, type PasswordRole } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let listensOnIpv6 = false;
beforeAll(async () => {
  const client = new pg.Client({ host: '::1', port: PG_PORT, user: PG_USER, database: 'postgres', connectionTimeoutMillis: 3000 });
  listensOnIpv6 = await client.connect().then(
    async () => (await client.end(), true),
    () => false,
  );
});

let work: { dir: string; cleanup(): Promise<void> };
let db = '';
let role: PasswordRole | undefined;
beforeEach(async () => {
  work = await tempDir('orgbackup-ipv6-');
  db = await createDb('ob_ipv6');
  await psql(db, { sql: "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g;" });
});
afterEach(async () => {
  await dropDb(db);
  await role?.drop();
  role = undefined;
  await work.cleanup();
});

describe('PostgreSQL source at [::1]', () => {
  it('backs up, restore-tests and restores (skipped when the test server does not listen on ::1)', async (ctx) => {
    if (!listensOnIpv6) ctx.skip();
    // With a password (scram-sha-256 on the suite's server): the tools' passfile line must match ::1.
    const password = 'v6-pw';
    role = await createPasswordRole(password);
    const url = `postgres://${role.user}:${password}@[::1]:${PG_PORT}/${db}`;
    const config = await writeConfig(work.dir, { version: 1, sources: { app: { type: 'postgres', url } }, storage: { local: { type: 'local', path: './backups' } } });
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives as { id: string }[])[0]!.id;

    const tested = await runCli(['-c', config, '--json', 'verify', id, '--restore-test']);
    const item = (tested.json as { archives: { error?: string; levels: number[]; restoreTest?: { where: string } }[] }).archives[0]!;
    expect(item.error, tested.stderr).toBeUndefined();
    expect(item.levels).toEqual([1, 2, 3]);
    expect(item.restoreTest?.where).toMatch(/@\[::1\]:\d+\/ob_rt_/);

    await pgQuery(db, 'DELETE FROM t WHERE id > 10');
    const restored = await runCli(['-c', config, 'restore', id, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await pgQuery(db, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 50 }]);
  });
});
