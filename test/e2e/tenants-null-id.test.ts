/**
 * A tenants query that returns a NULL id among real tenants (a LEFT JOIN, a UNION with a default
 * row), through the built binary on both engines: that row fails on its own with a message naming
 * NULL, every other tenant is stored (exit 3), and `list --stale` does not report a tenant "null".
 * Before, the id became the text "null": a failed type cast on an integer key, and on a text key a
 * "tenant" whose empty archive was stored as if it were real.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, pgUrl, psql } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
const drops: (() => Promise<void>)[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-null-id-');
});
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
  await work.cleanup();
});

const SCHEMA = `CREATE TABLE orgs (id varchar(10) PRIMARY KEY, name varchar(20));
  CREATE TABLE items (id int PRIMARY KEY, org_id varchar(10) NOT NULL REFERENCES orgs (id));
  INSERT INTO orgs VALUES ('a', 'one'), ('b', 'two');
  INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'b');`;
const QUERY = "SELECT id, name FROM orgs UNION ALL SELECT NULL, 'ghost' ORDER BY name";

async function pgSource(): Promise<Record<string, unknown>> {
  const db = await createDb('ob_nullid');
  drops.push(() => dropDb(db));
  await psql(db, { sql: SCHEMA });
  return { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: QUERY } };
}

async function mysqlSource(): Promise<Record<string, unknown>> {
  const db = await createMysqlDb('ob_nullid');
  drops.push(() => dropMysqlDb(db));
  await mysqlExec(db, SCHEMA);
  return { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: QUERY } };
}

describe.each([
  ['PostgreSQL', pgSource],
  ['MySQL/MariaDB', mysqlSource],
])('%s: a NULL id from the tenants query', (_engine, source) => {
  it('fails that row alone, stores the others, and is not a stale tenant', async () => {
    const config = await writeConfig(work.dir, { version: 1, sources: { app: await source() }, storage: { local: { type: 'local', path: './backups' } } });
    const res = await runCli(['-c', config, '--json', 'create']);
    expect(res.exitCode, res.stderr).toBe(3);
    const archives = res.json.archives as { tenant: string; status: string; error?: string; hint?: string }[];
    expect(
      archives
        .filter((a) => a.status === 'ok')
        .map((a) => a.tenant)
        .sort(),
    ).toEqual(['a', 'b']);
    const failed = archives.filter((a) => a.status !== 'ok');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toBe('tenant NULL of source app was not backed up: the tenants query returned NULL as a tenant id (name "ghost")');
    expect(failed[0]!.hint).toContain('WHERE id IS NOT NULL');

    const listed = await runCli(['-c', config, '--json', 'list']);
    expect((listed.json.archives as { id: string }[]).map((a) => a.id.split('/')[1]).sort()).toEqual(['a', 'b']);
    const stale = await runCli(['-c', config, 'list', '--stale', '1h']);
    expect(stale.exitCode, stale.stdout + stale.stderr).toBe(0);
    expect(stale.stderr).toContain('list --stale: source app: the tenants query returned NULL as a tenant id (name "ghost"); that row is not checked');
  });
});
