/**
 * The rows-archive recipes of docs/recovery.md ("Recovering without orgbackup"), run as written with
 * stock tools only against real encrypted rows archives of one tenant: the page's unpack steps, then its
 * rows block, each read from the page. Only example paths and database names are replaced. The
 * recovered copy must hold exactly the tenant's rows: every tenant table, no other tenant's row.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ROOT, runCli } from '../helpers/cli.js';
import { MYSQL_HOST, MYSQL_PORT, MYSQL_USER, createMysqlDb, dropMysqlDb, mysqlLoadFile, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { ran, recoveryBlock, runSteps, substitute, unpackSteps } from '../helpers/recovery-doc.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { ageKey, storedObjects } from '../integration/encryption-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

interface Archived {
  dir: string;
  archive: string;
  keyFile: string;
}

/** One tenant's encrypted rows archive of `source`, made by the built binary. */
async function rowsArchive(source: Record<string, unknown>, tenant: string): Promise<Archived> {
  const tmp = await tempDir('orgbackup-recover-rows-');
  cleanups.push(() => tmp.cleanup());
  const key = await ageKey(tmp.dir, 'key');
  const config = { version: 1, sources: { app: source }, storage: { local: { type: 'local', path: './backups' } }, defaults: { storage: ['local'], compression: 'zstd' }, encryption: { recipients: [key.recipient] } };
  const created = await runCli(['-c', await writeConfig(tmp.dir, config), '--json', 'create', '--source', 'app', '--tenant', tenant]);
  expect(created.exitCode, created.stderr).toBe(0);
  const [stored] = await storedObjects(path.join(tmp.dir, 'backups'));
  return { dir: tmp.dir, archive: stored!.object, keyFile: key.file };
}

/** The unpack steps and the block under `heading`, with the example names replaced. */
async function recipe(heading: string, archived: Archived, names: Record<string, string>): Promise<string[]> {
  const block = await recoveryBlock(heading);
  const replaced = substitute(block, archived.archive, archived.keyFile, names);
  expect(replaced.filter((line, i) => line !== block[i]).length, `the example names of "${heading}" were replaced`).toBeGreaterThanOrEqual(2);
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

describe('docs/recovery.md: rows archives with stock tools', () => {
  it('MySQL/MariaDB: the documented steps load exactly the tenant rows into an empty copy of the tables', async () => {
    const db = await createMysqlDb('ob_recrows');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlLoadFile(db, path.join(ROOT, 'test/fixtures/mysql-saas.sql'));
    const source = { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } };
    const archived = await rowsArchive(source, String(ORG));
    const copy = uniqueName('ob_rectenant');
    cleanups.push(() => dropMysqlDb(copy));

    // The stock client's own environment variables point it at the test server.
    const env = { MYSQL_HOST, MYSQL_TCP_PORT: String(MYSQL_PORT), USER: MYSQL_USER };
    const run = await runSteps(await recipe('### MySQL/MariaDB rows archives', archived, { shop: db, shop_tenant: copy }), env);
    expect(run.exitCode, run.stderr).toBe(0);
    for (const command of ['age -d -i', 'sha256sum -c SHA256SUMS', 'mysqldump --no-data --skip-triggers', 'python3 -c', 'zstd -dcf rows/issues.sql']) expect(ran(run.stderr, command), `step "${command}" ran`).toBe(true);

    const everything = Object.fromEntries(Object.keys(MYSQL_TENANT).map((t) => [t, 'TRUE']));
    const recovered = await mysqlRows(copy, everything);
    expect(recovered).toEqual(await mysqlRows(db, MYSQL_TENANT));
    // Real rows, not two empty sides; the shared table stays empty in the copy.
    expect(JSON.parse(recovered.issues!).length).toBeGreaterThan(100);
    expect(await mysqlQuery(copy, 'SELECT COUNT(*) AS n FROM countries')).toEqual([{ n: '0' }]);
    // No trigger rewrote a loaded row (the fixture's insert trigger trims comment bodies).
    expect(await mysqlQuery(copy, 'SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [copy])).toEqual([{ n: '0' }]);
  });
});
