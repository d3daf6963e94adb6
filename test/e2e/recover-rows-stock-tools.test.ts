/**
 * The MySQL/MariaDB, SQLite and rows-archive recipes of docs/recovery.md ("Recovering without
 * orgbackup"), run as written with stock tools only against real encrypted archives: the page's unpack
 * steps, then the recipe's block, each read from the page. Only example paths and database names are
 * replaced. A rows copy must hold exactly the tenant's rows: every tenant table, no other tenant's row.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ROOT, runCli } from '../helpers/cli.js';
import { PG_HOST, PG_PORT, PG_USER, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { queryDigests, saasTenantQueries, seedSaasInto } from '../helpers/tenants.js';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER, createMysqlDb, dropMysqlDb, mysqlExec, mysqlLoadFile, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { ran, recoveryBlock, runSteps, substitute, unpackSteps } from '../helpers/recovery-doc.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { ageKey, storedObjects } from '../integration/encryption-helpers.js';
import { mysqlDigests } from '../helpers/mysql.js';
import { sqliteDigests } from '../helpers/sqlite.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

interface Archived {
  dir: string;
  archive: string;
  keyFile: string;
}

/** An encrypted archive of `source` (of one tenant's rows when `tenant` is given), made by the built binary. */
async function archiveOf(source: Record<string, unknown>, tenant?: string): Promise<Archived> {
  const tmp = await tempDir('orgbackup-recover-rows-');
  cleanups.push(() => tmp.cleanup());
  const key = await ageKey(tmp.dir, 'key');
  const config = {
    version: 1,
    sources: { app: source },
    storage: { local: { type: 'local', path: './backups' } },
    defaults: { storage: ['local'], compression: 'zstd' },
    encryption: { recipients: [key.recipient] },
  };
  const created = await runCli(['-c', await writeConfig(tmp.dir, config), '--json', 'create', '--source', 'app', ...(tenant ? ['--tenant', tenant] : [])]);
  expect(created.exitCode, created.stderr).toBe(0);
  const [stored] = await storedObjects(path.join(tmp.dir, 'backups'));
  return { dir: tmp.dir, archive: stored!.object, keyFile: key.file };
}

/** The unpack steps and the block under `heading`, with the example names replaced. */
async function recipe(heading: string, archived: Archived, names: Record<string, string>): Promise<string[]> {
  const block = await recoveryBlock(heading);
  const replaced = substitute(block, archived.archive, archived.keyFile, names);
  expect(replaced.filter((line, i) => line !== block[i]).length, `the example names of "${heading}" were replaced`).toBeGreaterThanOrEqual(Object.keys(names).length);
  return [...(await unpackSteps(archived.archive, archived.keyFile, path.join(archived.dir, 'recover'))), ...replaced];
}

/** Rows of each table, in key order, as the driver reads them: equal outputs, equal rows. */
async function mysqlRows(db: string, where: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, filter] of Object.entries(where)) out[table] = JSON.stringify(await mysqlQuery(db, `SELECT * FROM \`${table}\` t WHERE ${filter} ORDER BY 1`));
  return out;
}

const ORG = 3;
/** Tenant ORG's rows of the MySQL fixture (test/fixtures/mysql-saas.sql), table by table. */
const MYSQL_TENANT = {
  organizations: `t.id = ${ORG}`,
  departments: `t.org_id = ${ORG}`,
  users: `t.org_id = ${ORG}`,
  assets: `t.org_id = ${ORG}`,
  issues: `t.org_id = ${ORG}`,
  issue_comments: `t.issue_id IN (SELECT id FROM issues WHERE org_id = ${ORG})`,
  notifications: `t.org_id = ${ORG}`,
};

/**
 * The stock clients pointed at the test server the way an operator's would be: a [client] section in
 * ~/.my.cnf (mysqldump ignores MYSQL_HOST, so environment variables alone reach the wrong server).
 */
async function mysqlClientEnv(): Promise<Record<string, string>> {
  const home = await tempDir('orgbackup-recover-home-');
  cleanups.push(() => home.cleanup());
  await writeFile(path.join(home.dir, '.my.cnf'), `[client]\nhost=${MYSQL_HOST}\nport=${MYSQL_PORT}\nuser=${MYSQL_USER}\nprotocol=TCP\n`, { mode: 0o600 });
  return { HOME: home.dir };
}

describe('docs/recovery.md: MySQL, SQLite and rows archives with stock tools', () => {
  it('MySQL/MariaDB: the documented steps load exactly the tenant rows into an empty copy of the tables', async () => {
    const db = await createMysqlDb('ob_recrows');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlLoadFile(db, path.join(ROOT, 'test/fixtures/mysql-saas.sql'));
    const source = { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } };
    const archived = await archiveOf(source, String(ORG));
    const copy = uniqueName('ob_rectenant');
    cleanups.push(() => dropMysqlDb(copy));

    const env = await mysqlClientEnv();
    const run = await runSteps(await recipe('### MySQL/MariaDB rows archives', archived, { shop: db, shop_tenant: copy }), env);
    expect(run.exitCode, run.stderr).toBe(0);
    for (const command of ['age -d -i', 'sha256sum -c SHA256SUMS', 'mysqldump --no-data --skip-triggers', 'python3 -c', 'zstd -dcf rows/issues.sql'])
      expect(ran(run.stderr, command), `step "${command}" ran`).toBe(true);

    const everything = Object.fromEntries(Object.keys(MYSQL_TENANT).map((t) => [t, 'TRUE']));
    const recovered = await mysqlRows(copy, everything);
    expect(recovered).toEqual(await mysqlRows(db, MYSQL_TENANT));
    // Real rows, not two empty sides; the shared table stays empty in the copy.
    expect(JSON.parse(recovered.issues!).length).toBeGreaterThan(100);
    expect(await mysqlQuery(copy, 'SELECT COUNT(*) AS n FROM countries')).toEqual([{ n: '0' }]);
    // No trigger rewrote a loaded row (the fixture's insert trigger trims comment bodies).
    expect(await mysqlQuery(copy, 'SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [copy])).toEqual([{ n: '0' }]);
  });

  it('PostgreSQL: the documented steps load exactly the tenant rows, UTF-8 COPY text into a LATIN1 database', async () => {
    const PG_ENV = { PGHOST: PG_HOST, PGPORT: String(PG_PORT), PGUSER: PG_USER };
    const db = uniqueName('ob_recrows_pg');
    await execa('createdb', ['-E', 'LATIN1', '-l', 'C', '-T', 'template0', db], { env: PG_ENV });
    cleanups.push(() => dropDb(db));
    await seedSaasInto(db, { orgs: 5 });
    // Text outside ASCII: the COPY files are UTF-8, the database LATIN1.
    await pgQuery(db, `UPDATE organizations SET name = 'Café Zürich' WHERE id = ${ORG}`);
    const source = { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } };
    const archived = await archiveOf(source, String(ORG));
    const copy = uniqueName('ob_rectenant_pg');
    cleanups.push(() => dropDb(copy));

    const run = await runSteps(await recipe('### PostgreSQL rows archives', archived, { app: db, app_tenant: copy }), PG_ENV);
    expect(run.exitCode, run.stderr).toBe(0);
    for (const command of [
      'createdb -E LATIN1 --lc-collate C --lc-ctype C',
      'pg_dump --schema-only --section=pre-data',
      'python3 -',
      'zstd -dcf rows/public.issues.copy',
      'pg_dump --data-only --table=public.countries',
      'pg_dump --schema-only --section=post-data',
    ]) {
      expect(ran(run.stderr, command), `step "${command}" ran`).toBe(true);
    }

    const tenant = saasTenantQueries(ORG);
    const everything = Object.fromEntries(Object.keys(tenant).map((t) => [t, `SELECT * FROM ${t}`]));
    const recovered = await queryDigests(copy, everything);
    expect(recovered).toEqual(await queryDigests(db, tenant));
    expect(Number(recovered.issues!.split(':')[0])).toBeGreaterThan(100);
    expect(await queryDigests(copy, { countries: 'SELECT * FROM countries' })).toEqual(await queryDigests(db, { countries: 'SELECT * FROM countries' }));
    expect(await pgQuery(copy, `SELECT name, encode(convert_to(name, 'LATIN1'), 'hex') AS bytes FROM organizations`)).toEqual([{ name: 'Café Zürich', bytes: '436166e9205afc72696368' }]);
    // The post-data step put the keys and triggers back.
    const [keys] = await pgQuery(copy, `SELECT count(*)::int AS n FROM pg_constraint WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace`);
    const [sourceKeys] = await pgQuery(db, `SELECT count(*)::int AS n FROM pg_constraint WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace`);
    expect(keys).toEqual(sourceKeys);
  });

  it("PostgreSQL: the documented steps load the other tenants' rows the tenant references, so the keys come back", async () => {
    const PG_ENV = { PGHOST: PG_HOST, PGPORT: String(PG_PORT), PGUSER: PG_USER };
    const db = uniqueName('ob_recout_pg');
    await execa('createdb', ['-T', 'template0', db], { env: PG_ENV });
    cleanups.push(() => dropDb(db));
    // Every tenth user's mentor is a user of the next organization (with 5 organizations, all of them in org 1).
    await seedSaasInto(db, { orgs: 5, crossTenant: true });
    const source = { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } };
    const archived = await archiveOf(source, '1');
    const copy = uniqueName('ob_recout_copy');
    cleanups.push(() => dropDb(copy));

    const run = await runSteps(await recipe('### PostgreSQL rows archives', archived, { app: db, app_tenant: copy }), PG_ENV);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ran(run.stderr, 'psql -q -v ON_ERROR_STOP=1 -f outside.sql'), 'the outside step ran').toBe(true);
    expect(await queryDigests(copy, saasTenantQueries(1))).toEqual(await queryDigests(db, saasTenantQueries(1)));
    const mentors = `SELECT * FROM users WHERE id IN (SELECT mentor_id FROM users WHERE org_id = 1)`;
    const [outside] = await pgQuery<{ n: string }>(copy, `SELECT count(*) AS n FROM users WHERE org_id <> 1`);
    expect(Number(outside!.n)).toBeGreaterThan(0);
    expect(await queryDigests(copy, { mentors })).toEqual(await queryDigests(db, { mentors }));
    // The post-data step put every key back, users_mentor_id_fkey included.
    const [keys] = await pgQuery(copy, `SELECT count(*)::int AS n FROM pg_constraint WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace`);
    const [sourceKeys] = await pgQuery(db, `SELECT count(*)::int AS n FROM pg_constraint WHERE contype IN ('p', 'f') AND connamespace = 'public'::regnamespace`);
    expect(keys).toEqual(sourceKeys);
  });

  it("MySQL/MariaDB: the documented steps load the other tenants' rows the tenant references", async () => {
    const db = await createMysqlDb('ob_recout_my');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlExec(
      db,
      `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(20) NOT NULL);
       CREATE TABLE users (id int PRIMARY KEY, org_id int NOT NULL, mentor_id int NULL, FOREIGN KEY (org_id) REFERENCES organizations (id),
         CONSTRAINT users_mentor FOREIGN KEY (mentor_id) REFERENCES users (id));
       INSERT INTO organizations VALUES (1, 'a'), (2, 'b');
       INSERT INTO users VALUES (1, 2, NULL), (2, 1, 1), (3, 1, NULL), (4, 2, NULL);`,
    );
    const source = { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } };
    const archived = await archiveOf(source, '1');
    const copy = uniqueName('ob_recout_mycopy');
    cleanups.push(() => dropMysqlDb(copy));

    const run = await runSteps(await recipe('### MySQL/MariaDB rows archives', archived, { shop: db, shop_tenant: copy }), await mysqlClientEnv());
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ran(run.stderr, 'zstd -dcf outside/users.sql'), 'the outside step ran').toBe(true);
    // The tenant's two users and the other organization's mentor, not its other user; no key dangles.
    expect(await mysqlQuery(copy, 'SELECT id, org_id, mentor_id FROM users ORDER BY id')).toEqual([
      { id: 1, org_id: 2, mentor_id: null },
      { id: 2, org_id: 1, mentor_id: 1 },
      { id: 3, org_id: 1, mentor_id: null },
    ]);
  });

  it('MySQL/MariaDB whole database: the documented steps give an identical database', async () => {
    const db = await createMysqlDb('ob_recwhole');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlLoadFile(db, path.join(ROOT, 'test/fixtures/mysql-saas.sql'));
    const archived = await archiveOf({ type: 'mysql', url: mysqlUrl(db) });
    const copy = uniqueName('ob_recwhole_copy');
    cleanups.push(() => dropMysqlDb(copy));
    const env = await mysqlClientEnv();
    const run = await runSteps(await recipe('### MySQL/MariaDB whole databases', archived, { shop_recovered: copy }), env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ran(run.stderr, 'zstd -dc db.sql.zst'), 'the load step ran').toBe(true);
    expect(await mysqlDigests(copy)).toEqual(await mysqlDigests(db));
  });

  it('SQLite: the documented steps give an identical, intact database file', async () => {
    const work = await tempDir('orgbackup-recover-sqlite-');
    cleanups.push(() => work.cleanup());
    const file = path.join(work.dir, 'acme.db');
    await execa('sqlite3', [file, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'café'), (2, x'00ff');"]);
    const archived = await archiveOf({ type: 'sqlite', path: file });
    const run = await runSteps(await recipe('### SQLite', archived, { 'acme.sqlite': 'recovered.sqlite' }), {});
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok$/m);
    expect(await sqliteDigests(path.join(archived.dir, 'recover', 'recovered.sqlite'))).toEqual(await sqliteDigests(file));
  });
});
