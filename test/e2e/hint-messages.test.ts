/**
 * Hints that used to send a newcomer the wrong way: a missing PostgreSQL role ("check the
 * password"), an unreadable config ("must be valid JSON"), MariaDB called "MySQL", `list` on an
 * unreadable storage ("not writable"), a missing --target database ("check the source URL").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { TEST_UID, ensureTestUser, isRoot, openTempDir, runCliAs } from '../helpers/as-user.js';
import { uniqueName, writeConfig } from '../helpers/tmp.js';
import { createMysqlDb, createMysqlUser, dropMysqlDb, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';

describe('hints', () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    tmp = await openTempDir('orgbackup-hints-');
    if (isRoot) await ensureTestUser();
  });
  afterAll(() => tmp.cleanup());

  const sourceConfig = (name: string, source: Record<string, unknown>) =>
    writeConfig(tmp.dir, { version: 1, sources: { app: source }, storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } } }, `${name}.json`);

  it("a PostgreSQL role that does not exist is named as such, not as a password problem; -v shows the server's words", async () => {
    const role = uniqueName('nobody');
    const config = await sourceConfig('pg-role', { type: 'postgres', url: pgUrl('postgres', role) });
    const out = await runCli(['-c', config, 'preflight']);
    expect(out.exitCode).toBe(4);
    expect(out.stdout + out.stderr).toContain(`role "${role}" does not exist on PostgreSQL at`);
    expect(out.stdout + out.stderr).toContain(`CREATE ROLE "${role}" LOGIN`);
    expect(out.stdout + out.stderr).not.toMatch(/check the password/);
    const verbose = await runCli(['-c', config, '-v', 'preflight']);
    expect(verbose.stderr).toContain(`debug source.app.connect: the server said: role "${role}" does not exist`);
  });

  it('a MariaDB login failure says MySQL/MariaDB', async () => {
    const config = await sourceConfig('mysql-login', { type: 'mysql', url: mysqlUrl('mysql', uniqueName('nobody'), 'wrong') });
    const out = await runCli(['-c', config, 'preflight']);
    expect(out.exitCode).toBe(4);
    expect(out.stdout).toMatch(/MySQL\/MariaDB refused the login for .*: access denied/);
  });

  it('a mistyped MariaDB database for a limited user suggests checking the name before a GRANT', async () => {
    const db = await createMysqlDb('ob_hint');
    const account = await createMysqlUser('pw-hint', [`GRANT SELECT ON \`${db}\`.* TO %u`]);
    try {
      const typo = `${db}x`;
      const config = await sourceConfig('mysql-typo', { type: 'mysql', url: mysqlUrl(typo, account.user, 'pw-hint') });
      const out = await runCli(['-c', config, 'preflight']);
      expect(out.exitCode).toBe(4);
      expect(out.stdout).toContain(`may not use database "${typo}"`);
      expect(out.stdout).toContain('(or it does not exist)');
      expect(out.stdout).toMatch(/fix: check the database name in the URL \(SHOW DATABASES as \S+ lists the ones it may use\); if it is right: GRANT/);
    } finally {
      await account.drop();
      await dropMysqlDb(db);
    }
  });

  it('a restore test whose role may not create databases says which privilege it needs', async () => {
    const db = await createDb('ob_hint_rt');
    const role = uniqueName('ob_rt_role');
    try {
      await pgQuery(db, `CREATE ROLE "${role}" LOGIN; CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); GRANT SELECT ON t TO "${role}"`);
      const config = await sourceConfig('restore-test', { type: 'postgres', url: pgUrl(db, role) });
      const created = await runCli(['-c', config, 'create']);
      expect(created.exitCode, created.stderr).toBe(0);
      const out = await runCli(['-c', config, 'verify', '--restore-test']);
      expect(out.exitCode).toBe(5);
      expect(out.stdout).toContain('the restore test failed: permission denied to create database');
      expect(out.stdout).toMatch(/^hint: \S+: the restore test creates a throwaway copy and needs the privilege to: ALTER ROLE <the source's role> CREATEDB/m);
    } finally {
      await dropDb(db);
      await pgQuery('postgres', `DROP ROLE IF EXISTS "${role}"`);
    }
  });

  it('a config that is a directory says it cannot be read and why', async () => {
    const dir = path.join(tmp.dir, 'conf.d');
    await mkdir(dir);
    const out = await runCli(['-c', dir, 'list']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`cannot read config ${dir}: it is a directory (EISDIR)`);
    expect(out.stderr).not.toMatch(/valid JSON/);
  });

  it.skipIf(!isRoot)('a config the user may not read says permission denied (EACCES), not "must be valid JSON" (needs root to run as uid 1001; skipped otherwise)', async () => {
    const file = path.join(tmp.dir, 'secret.json');
    await writeFile(file, '{}', { mode: 0o600 });
    await chmod(file, 0o600);
    const out = await runCliAs(['-c', file, 'list'], { uid: TEST_UID });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`cannot read config ${file}: permission denied (EACCES) for uid ${TEST_UID}`);
    expect(out.stderr).toContain(`chmod 640 ${file}`);
    expect(out.stderr).not.toMatch(/valid JSON/);
  });

  it('a rows restore into a --target database that does not exist names --target, not the source URL', async () => {
    const db = await createDb('ob_hint_rows');
    try {
      await pgQuery(
        db,
        'CREATE TABLE orgs (id int PRIMARY KEY); CREATE TABLE items (id int PRIMARY KEY, org_id int REFERENCES orgs(id)); INSERT INTO orgs VALUES (1), (2); INSERT INTO items VALUES (1, 1), (2, 2)',
      );
      const config = await writeConfig(
        tmp.dir,
        {
          version: 1,
          sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id FROM orgs' } } },
          storage: { local: { type: 'local', path: path.join(tmp.dir, 'rows-backups') } },
        },
        'rows.json',
      );
      const created = await runCli(['-c', config, 'create', '--source', 'app', '--tenant', '1']);
      expect(created.exitCode, created.stderr).toBe(0);
      const missing = uniqueName('ob_no_target');
      for (const extra of [['--dry-run'], ['--yes']]) {
        const out = await runCli(['-c', config, 'restore', 'latest', '--source', 'app', '--tenant', '1', '--target', pgUrl(missing), ...extra]);
        expect(out.exitCode).not.toBe(0);
        expect(out.stderr).toContain(`error: --target: database "${missing}" does not exist`);
        expect(out.stderr).toContain(`hint: correct the database name in --target, or create "${missing}" with the tenant's tables first (e.g. pg_dump --schema-only`);
        expect(out.stderr).not.toMatch(/source URL/);
      }
    } finally {
      await dropDb(db);
    }
  });

  it.skipIf(!isRoot)('list on a storage the user may not read says "not readable" (needs root to run as uid 1001; skipped otherwise)', async () => {
    const backups = path.join(tmp.dir, 'private-backups');
    await mkdir(path.join(backups, 'app'), { recursive: true });
    await chmod(backups, 0o700);
    const config = await writeConfig(tmp.dir, { version: 1, sources: { app: { type: 'files', path: tmp.dir } }, storage: { local: { type: 'local', path: backups } } }, 'unreadable.json');
    await chmod(config, 0o644);
    const out = await runCliAs(['-c', config, 'list'], { uid: TEST_UID });
    expect(out.exitCode).not.toBe(0);
    expect(out.stderr).toContain(`the storage path ${backups} is not readable by uid ${TEST_UID}`);
    expect(out.stderr).not.toMatch(/not writable/);
  });
});
