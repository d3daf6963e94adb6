/**
 * Categories of a rows source (tenants.categories), PostgreSQL and MariaDB, through the built
 * binary: `create --category billing` archives only the billing tables and the parents they need
 * (NOT NULL foreign keys), the manifest and `list --long` record the categories an archive holds,
 * `restore --only billing` restores them from a full archive; a category with a nullable foreign key
 * out of it is refused naming the key, and a category naming an unknown table is refused naming it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql } from '../helpers/pg.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { configWith, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const SCHEMA = (serial: string, fk: (t: string) => string) => `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(40) NOT NULL);
  CREATE TABLE customers (id ${serial} PRIMARY KEY, org_id int NOT NULL ${fk('organizations')}, name varchar(40));
  CREATE TABLE invoices (id ${serial} PRIMARY KEY, org_id int NOT NULL ${fk('organizations')}, customer_id int NOT NULL ${fk('customers')}, total int);
  CREATE TABLE payments (id ${serial} PRIMARY KEY, invoice_id int NOT NULL ${fk('invoices')}, amount int);
  CREATE TABLE tickets (id ${serial} PRIMARY KEY, org_id int NOT NULL ${fk('organizations')}, customer_id int, title varchar(40));
  ALTER TABLE tickets ADD CONSTRAINT tickets_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
  INSERT INTO organizations VALUES (1, 'org1'), (2, 'org2');
  INSERT INTO customers (org_id, name) VALUES (1, 'c1'), (2, 'c2');
  INSERT INTO invoices (org_id, customer_id, total) VALUES (1, 1, 10), (2, 2, 20), (2, 2, 30);
  INSERT INTO payments (invoice_id, amount) VALUES (1, 10), (2, 20), (3, 15);
  INSERT INTO tickets (org_id, customer_id, title) VALUES (2, 2, 'help');`;

const CATEGORIES = { billing: ['invoices', 'payments'], support: ['tickets'] };

/**
 * `codes`: a category naming an unknown table is caught by the preflight's rows-plan check (both
 * engines, before anything is written: exit 4); a category that cannot be
 * restored alone fails each tenant (exit 1). `name`: a table as the sidecar lists it; `qualified`: as the plan does.
 */
async function scenario(
  codes: { unknown: number; alone: number },
  qualified: (t: string) => string,
  tenants: Record<string, unknown>,
  source: (t: Record<string, unknown>) => Record<string, unknown>,
  q: (sql: string) => Promise<Record<string, unknown>[]>,
  name: (t: string) => string,
) {
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  const bad = await configWith(tmp.dir, source({ ...tenants, categories: { billing: ['invoices', 'nosuch'] } }));
  const refused = await runCli(['-c', bad, 'create', '--source', 'app', '--tenant', '2']);
  expect(refused.exitCode, refused.stderr).toBe(codes.unknown);
  expect(refused.stderr).toContain('tenants.categories.billing: nosuch is not a tenant table');

  const config = await configWith(tmp.dir, source({ ...tenants, categories: CATEGORIES }));
  const alone = await runCli(['-c', config, 'create', '--source', 'app', '--tenant', '2', '--category', 'support']);
  expect(alone.exitCode, alone.stderr).toBe(codes.alone);
  expect(alone.stderr).toContain('category support cannot be restored alone: foreign key tickets_customer_fk');

  const billing = await runCli(['-c', config, '--json', 'create', '--source', 'app', '--tenant', '2', '--category', 'billing']);
  expect(billing.exitCode, billing.stderr).toBe(0);
  const billingId = billing.json.archives[0].id as string;
  const sidecar = JSON.parse(await readFile(path.join(tmp.dir, 'backups', `${billingId}.manifest.json`), 'utf8')) as { tables: { name: string; rows: number }[]; details: { categories: unknown } };
  expect(sidecar.tables.map((t) => [t.name, t.rows])).toEqual([
    [name('organizations'), 1],
    [name('customers'), 1],
    [name('invoices'), 2],
    [name('payments'), 2],
  ]);
  expect(sidecar.details.categories).toEqual({ billing: ['organizations', 'customers', 'invoices', 'payments'].map(qualified) });

  const full = await runCli(['-c', config, '--json', 'create', '--source', 'app', '--tenant', '2']);
  expect(full.exitCode, full.stderr).toBe(0);
  const fullId = full.json.archives[0].id as string;
  const list = await runCli(['-c', config, '--json', 'list', '--long']);
  expect(list.json.archives.map((a: { id: string; categories: string[] }) => [a.id, a.categories])).toEqual([
    [fullId, ['billing', 'support']],
    [billingId, ['billing']],
  ]);
  const text = await runCli(['-c', config, 'list', '--long']);
  expect(text.stdout).toMatch(/CATEGORIES[\s\S]*billing,support/);

  await q(`DELETE FROM payments WHERE id = 3`);
  await q(`UPDATE tickets SET title = 'edited'`);
  const restored = await runCli(['-c', config, 'restore', fullId, '--only', 'billing', '--yes']);
  expect(restored.exitCode, restored.stderr).toBe(0);
  expect((await q(`SELECT id, amount FROM payments ORDER BY id`)).map((r) => ({ ...r }))).toEqual([
    { id: 1, amount: 10 },
    { id: 2, amount: 20 },
    { id: 3, amount: 15 },
  ]);
  // tickets is not in billing: left as it was.
  expect((await q(`SELECT title FROM tickets`)).map((r) => ({ ...r }))).toEqual([{ title: 'edited' }]);
}

describe('rows categories', () => {
  it('PostgreSQL: create --category, manifest and list, restore --only <category>, refusals', async () => {
    const db = await createDb('rtcat');
    cleanups.push(() => dropDb(db));
    await psql(db, { sql: SCHEMA('serial', (t) => `REFERENCES ${t}`) });
    const tenants = { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' };
    await scenario(
      { unknown: 4, alone: 1 },
      (t) => `public.${t}`,
      tenants,
      (t) => pgSource(db, t),
      (sql) => pgQuery(db, sql),
      (t) => `public.${t}`,
    );
  });

  it('MariaDB: create --category, manifest and list, restore --only <category>, refusals', async () => {
    const db = await createMysqlDb('ob_cat');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlExec(
      db,
      SCHEMA('int AUTO_INCREMENT', (t) => `REFERENCES ${t} (id)`),
    );
    const tenants = { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' };
    await scenario(
      { unknown: 4, alone: 1 },
      (t) => `${db}.${t}`,
      tenants,
      (t) => ({ type: 'mysql', url: mysqlUrl(db), tenants: t }),
      (sql) => mysqlQuery(db, sql),
      (t) => t,
    );
  });
});
