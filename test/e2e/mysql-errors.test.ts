/**
 * What an operator meets when a MySQL source is misconfigured, through the built binary: a wrong
 * password, an unknown database, a missing dump/client tool and tables the account cannot read
 * each stop create (or restore) at preflight with exit 4, a message saying what is wrong and a
 * hint that fixes it (the GRANT the hint prints is run, and create then succeeds); in database
 * mode one tenant's unreadable database fails only that tenant (exit 3).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { createMysqlDb, createMysqlUser, dropMysqlDb, mysqlLoadFile, mysqlQuery, mysqlUrl, routineReadGrant } from '../helpers/mysql.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/mysql-saas.sql');
const SECRET = 'correct horse battery';

let work: { dir: string; cleanup(): Promise<void> };
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-err-');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await work.cleanup();
});

async function fixtureDb(): Promise<string> {
  const db = await createMysqlDb('ob_err');
  cleanups.push(() => dropMysqlDb(db));
  await mysqlLoadFile(db, FIXTURE);
  return db;
}

async function user(grants: string[]): Promise<string> {
  const account = await createMysqlUser(SECRET, grants);
  cleanups.push(() => account.drop());
  return account.user;
}

async function config(source: Record<string, unknown>): Promise<string> {
  return writeConfig(work.dir, { version: 1, sources: { app: { type: 'mysql', ...source } }, storage: { local: { type: 'local', path: './backups' } } });
}

async function create(configFile: string, ...args: string[]) {
  return runCli(['-c', configFile, 'create', ...args]);
}

describe('mysql: clear errors', () => {
  it('a wrong password stops at preflight (exit 4) and the password is nowhere in the output', async () => {
    const db = await fixtureDb();
    const name = await user([`GRANT ALL ON \`${db}\`.* TO %u`]);
    const out = await create(await config({ url: mysqlUrl(db, name, 'not the password') }));
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toMatch(/refused the login .* access denied/);
    expect(out.stderr).toMatch(/check the password/);
    expect(out.stderr + out.stdout).not.toContain('not the password');
  });

  it('an unknown database stops at preflight (exit 4)', async () => {
    const missing = uniqueName('ob_missing');
    const out = await create(await config({ url: mysqlUrl(missing) }));
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toContain(`database "${missing}" does not exist`);
  });

  it('a missing dump tool, and for restore a missing client, stop at preflight (exit 4) with how to install one', async () => {
    const db = await fixtureDb();
    const out = await create(await config({ url: mysqlUrl(db), tools: { 'mariadb-dump': '/nonexistent/mariadb-dump', mysqldump: '/nonexistent/mysqldump' } }));
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toMatch(/source\.app\.tool\.dump: .*was not found/);
    expect(out.stderr).toMatch(/install the MariaDB client/);

    const good = await config({ url: mysqlUrl(db) });
    const made = await runCli(['-c', good, '--json', 'create']);
    expect(made.exitCode, made.stderr).toBe(0);
    const broken = await config({ url: mysqlUrl(db), tools: { mariadb: '/nonexistent/mariadb', mysql: '/nonexistent/mysql' } });
    const restore = await runCli(['-c', broken, 'restore', 'latest', '--source', 'app', '--target', mysqlUrl(`${db}_x`), '--yes']);
    expect(restore.exitCode).toBe(4);
    expect(restore.stderr).toMatch(/source\.app\.tool\.client: .*was not found/);
  });

  it('tables the account cannot read stop at preflight with the GRANT that fixes it; after that GRANT, create succeeds', async () => {
    const db = await fixtureDb();
    const name = await user([`GRANT SELECT ON \`${db}\`.\`users\` TO %u`, `GRANT SELECT ON \`${db}\`.\`organizations\` TO %u`]);
    const file = await config({ url: mysqlUrl(db, name), password: SECRET });
    const out = await create(file);
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toMatch(/source\.app\.privileges: .* lacks privileges on database .*no SELECT/);
    expect(out.stderr).toMatch(/no TRIGGER/);
    const grants = /fix: as an administrator: (.*)$/m.exec(out.stderr)?.[1];
    expect(grants).toContain(`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`${db}\`.* TO`);
    expect(grants).toContain((await routineReadGrant()).replace(' TO %u', ' TO'));
    for (const statement of grants!.split(/;\s*/).filter(Boolean)) await mysqlQuery(undefined, statement);

    const fixed = await create(file);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
  });

  it('database mode: a tenant database the account cannot read fails that tenant only (exit 3)', async () => {
    const prefix = uniqueName('obe').toLowerCase();
    const tenants = [`${prefix}_a`, `${prefix}_b`];
    for (const t of tenants) {
      await mysqlQuery(undefined, `CREATE DATABASE \`${t}\``);
      cleanups.push(() => dropMysqlDb(t));
      await mysqlQuery(t, 'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)');
      await mysqlQuery(t, "INSERT INTO notes VALUES (1, 'hello'), (2, 'world')");
    }
    const name = await user([`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`${tenants[0]}\`.* TO %u`, `GRANT INSERT ON \`${tenants[1]}\`.* TO %u`, await routineReadGrant()]);
    const file = await config({ url: mysqlUrl('', name), password: SECRET, tenants: { mode: 'database', match: `${prefix.replace(/_/g, '\\_')}\\_%` } });
    // --jobs 1: with two tenants at once, a failing tenant's aborted upload sometimes breaks the
    // other tenant's child-process pipe (EBADF; local storage's failure path, reported separately).
    const out = await runCli(['-c', file, '--json', 'create', '--jobs', '1']);
    expect(out.exitCode, out.stderr).toBe(3);
    const byTenant = Object.fromEntries((out.json.archives as { tenant: string; status: string; error?: string }[]).map((a) => [a.tenant, a]));
    expect(byTenant[tenants[0]!]?.status).toBe('ok');
    expect(byTenant[tenants[1]!]?.status).toBe('failed');
    expect(byTenant[tenants[1]!]?.error).toMatch(/denied/i);
    expect(out.stderr).toMatch(/this tenant will fail, the others are backed up/);
  });
});
