/**
 * Database names the native tools could misread, through the built binary: libpq expands a
 * `--dbname` holding `=` or starting with postgres:// into a connection string (`host=evil
 * dbname=x` would log in elsewhere), and mysqldump/mysql read a name starting with `-` as an
 * option. Each database backs up and restores in place with its rows intact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { PG_HOST, PG_PORT, createPasswordRole, dropDb, pgQuery } from '../helpers/pg.js';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER, dropMysqlDb, mysqlQuery } from '../helpers/mysql.js';

let work: { dir: string; cleanup(): Promise<void> };
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-dbnames-');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  await work.cleanup();
});

async function config(url: string): Promise<string> {
  return writeConfig(work.dir, { version: 1, sources: { app: { type: url.startsWith('postgres') ? 'postgres' : 'mysql', url } }, storage: { local: { type: 'local', path: './backups' } } });
}

/** create, change the rows, restore in place: the archived rows are back. */
async function roundTrip(configFile: string, rows: () => Promise<unknown[]>, change: () => Promise<void>): Promise<void> {
  const archived = await rows();
  const created = await runCli(['-c', configFile, '--json', 'create']);
  expect(created.exitCode, created.stderr).toBe(0);
  const id = (created.json.archives[0] as { id: string }).id;
  await change();
  expect(await rows()).not.toEqual(archived);
  const restored = await runCli(['-c', configFile, '--json', 'restore', id, '--yes', '--no-safety-backup']);
  expect(restored.exitCode, restored.stderr).toBe(0);
  expect(await rows()).toEqual(archived);
}

describe('PostgreSQL database names that look like connection strings', () => {
  it.each([
    { what: 'keyword pairs', name: () => `host=evil dbname=${uniqueName('h5')}` },
    { what: 'a=b', name: () => `${uniqueName('h5')}=b` },
    { what: 'a URL', name: () => `postgres://evil/${uniqueName('h5')}` },
    { what: 'quote and backslash in keyword form', name: () => `x='y\\ ${uniqueName('h5')}=z` },
  ])('$what: backs up and restores the database itself', async ({ name }) => {
    const db = name();
    await pgQuery('postgres', `CREATE DATABASE "${db}"`);
    cleanups.push(() => dropDb(db));
    await pgQuery(db, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    // A role that must log in with its password (scram-sha-256 on the suite's server), one with
    // the passfile's special characters: the tools get it only through a passfile line for
    // exactly this host and port, escaped.
    const password = 'pw:\\x';
    const role = await createPasswordRole(password);
    cleanups.push(() => role.drop());
    const url = `postgres://${role.user}:${encodeURIComponent(password)}@${PG_HOST}:${PG_PORT}/${encodeURIComponent(db)}`;
    await roundTrip(
      await config(url),
      () => pgQuery(db, 'SELECT * FROM t ORDER BY id'),
      async () => void (await pgQuery(db, "UPDATE t SET v = 'changed'")),
    );
  });
});

describe('MySQL database names that look like options', () => {
  it('a database named -x… backs up and restores', async () => {
    const db = `-x${uniqueName('h5')}`;
    await mysqlQuery(undefined, `CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
    cleanups.push(() => dropMysqlDb(db));
    await mysqlQuery(db, 'CREATE TABLE t (id int PRIMARY KEY, v varchar(20))');
    await mysqlQuery(db, "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    const url = `mysql://${MYSQL_USER}@${MYSQL_HOST}:${MYSQL_PORT}/${encodeURIComponent(db)}`;
    await roundTrip(
      await config(url),
      () => mysqlQuery(db, 'SELECT * FROM t ORDER BY id'),
      async () => void (await mysqlQuery(db, "UPDATE t SET v = 'changed'")),
    );
  });
});
