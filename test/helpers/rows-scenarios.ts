/**
 * Two rows-mode lifecycle scenarios run on each engine (rows-engines.ts) and each storage
 * (storages-under-test.ts) through the built binary: `restore --conflict merge` (updated /
 * inserted / kept counts in the dry run and the real one, live rows absent from the archive kept,
 * other tenants untouched, a table without a primary key refused by name) and categories
 * (`create --category`, the manifest's and `list --long`'s categories, `restore --only <category>`,
 * a category that cannot be restored alone and one naming an unknown table refused).
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { createArchives } from './restore.js';
import { workDir, type Later } from './restore-fixtures.js';
import { ORG_TENANTS, type RowsEngine } from './rows-engines.js';
import type { StorageUnderTest } from './storages-under-test.js';

const MERGE_SCHEMA = (serial: string) => `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(40) NOT NULL);
  CREATE TABLE projects (id ${serial} PRIMARY KEY, org_id int NOT NULL REFERENCES organizations (id), name varchar(40));
  CREATE TABLE tasks (id ${serial} PRIMARY KEY, project_id int NOT NULL REFERENCES projects (id), title varchar(40));
  CREATE TABLE notes (org_id int NOT NULL, body varchar(40));
  INSERT INTO organizations VALUES (1, 'org1'), (2, 'org2'), (3, 'org3');
  INSERT INTO projects (org_id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (2, 'd'), (1, 'e'), (2, 'f');
  INSERT INTO tasks (project_id, title) VALUES (1, 't1'), (2, 't2'), (3, 't3'), (4, 't4'), (5, 't5'), (6, 't6'), (2, 't7'), (4, 't8');
  INSERT INTO notes VALUES (1, 'n1'), (2, 'n2');`;

/** Tenant 2's live rows after the archive: one project edited, one task gone, one project added. */
const EDITS = [`UPDATE projects SET name = 'edited' WHERE id = 2`, `DELETE FROM tasks WHERE id = 8`, `INSERT INTO projects (id, org_id, name) VALUES (100, 2, 'added later')`];

const EXPECTED = [
  { table: 'projects', updated: 1, inserted: 0, unchanged: 2, kept: 1 },
  { table: 'tasks', updated: 0, inserted: 1, unchanged: 4, kept: 0 },
];

export async function mergeScenario(engine: RowsEngine, storage: StorageUnderTest, later: Later): Promise<void> {
  const db = await engine.create(later, 'merge', MERGE_SCHEMA(engine.serial));
  const config = await storage.config(await workDir(later), db.source(ORG_TENANTS));
  const [id] = (await createArchives(config, ['--source', 'app', '--tenant', '2'])) as [string];
  const others = () => db.query(`SELECT p.*, t.title FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE p.org_id <> 2 ORDER BY p.id, t.id`);
  const othersBefore = await others();
  await db.exec(EDITS.join(';'));

  const refused = await runCli(['-c', config, 'restore', id, '--conflict', 'merge', '--yes']);
  expect(refused.exitCode, refused.stderr).toBe(2);
  expect(refused.stderr).toContain('notes has none');

  const only = ['--only', ['organizations', 'projects', 'tasks'].map(db.table).join(',')];
  const before = await db.digest();
  const dry = await runCli(['-c', config, '--json', 'restore', id, '--conflict', 'merge', '--dry-run', ...only]);
  expect(dry.exitCode, dry.stderr).toBe(0);
  const counts = (dry.json.merge as { table: string }[]).filter((c) => c.table !== db.table('organizations'));
  expect(counts).toEqual(EXPECTED.map((e) => ({ ...e, table: db.table(e.table) })));
  expect(dry.json.plan).toContain(`merge ${db.table('projects')}: 1 updated, 0 inserted, 2 unchanged, 1 kept (not in the archive)`);
  expect(await db.digest()).toEqual(before);

  const res = await runCli(['-c', config, '--json', 'restore', id, '--conflict', 'merge', '--yes', ...only]);
  expect(res.exitCode, res.stderr).toBe(0);
  expect(res.json.merge).toEqual(dry.json.merge);
  expect(res.json.safetyBackup.id).toMatch(/^app\/2\//);
  const tasks = engine.joined('t.title', 't.id');
  expect(
    await db.query(`SELECT p.id, p.org_id, p.name, ${tasks} AS tasks FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE p.org_id = 2 GROUP BY p.id, p.org_id, p.name ORDER BY p.id`),
  ).toEqual([
    { id: 2, org_id: 2, name: 'b', tasks: 't2,t7' },
    { id: 4, org_id: 2, name: 'd', tasks: 't4,t8' },
    { id: 6, org_id: 2, name: 'f', tasks: 't6' },
    { id: 100, org_id: 2, name: 'added later', tasks: '' },
  ]);
  expect(await others()).toEqual(othersBefore);
}

const CATEGORY_SCHEMA = (serial: string) => `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(40) NOT NULL);
  CREATE TABLE customers (id ${serial} PRIMARY KEY, org_id int NOT NULL REFERENCES organizations (id), name varchar(40));
  CREATE TABLE invoices (id ${serial} PRIMARY KEY, org_id int NOT NULL REFERENCES organizations (id), customer_id int NOT NULL REFERENCES customers (id), total int);
  CREATE TABLE payments (id ${serial} PRIMARY KEY, invoice_id int NOT NULL REFERENCES invoices (id), amount int);
  CREATE TABLE tickets (id ${serial} PRIMARY KEY, org_id int NOT NULL REFERENCES organizations (id), customer_id int, title varchar(40));
  ALTER TABLE tickets ADD CONSTRAINT tickets_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
  INSERT INTO organizations VALUES (1, 'org1'), (2, 'org2');
  INSERT INTO customers (org_id, name) VALUES (1, 'c1'), (2, 'c2');
  INSERT INTO invoices (org_id, customer_id, total) VALUES (1, 1, 10), (2, 2, 20), (2, 2, 30);
  INSERT INTO payments (invoice_id, amount) VALUES (1, 10), (2, 20), (3, 15);
  INSERT INTO tickets (org_id, customer_id, title) VALUES (2, 2, 'help');`;

const CATEGORIES = { billing: ['invoices', 'payments'], support: ['tickets'] };

/**
 * A category naming an unknown table is caught by the preflight's rows-plan check (before
 * anything is written: exit 4); a category that cannot be restored alone fails the tenant (exit 1).
 */
export async function categoriesScenario(engine: RowsEngine, storage: StorageUnderTest, later: Later): Promise<void> {
  const db = await engine.create(later, 'cat', CATEGORY_SCHEMA(engine.serial));
  const dir = await workDir(later);
  const bad = await storage.config(dir, db.source({ ...ORG_TENANTS, categories: { billing: ['invoices', 'nosuch'] } }));
  const refused = await runCli(['-c', bad, 'create', '--source', 'app', '--tenant', '2']);
  expect(refused.exitCode, refused.stderr).toBe(4);
  expect(refused.stderr).toContain('tenants.categories.billing: nosuch is not a tenant table');

  const config = await storage.config(dir, db.source({ ...ORG_TENANTS, categories: CATEGORIES }));
  const alone = await runCli(['-c', config, 'create', '--source', 'app', '--tenant', '2', '--category', 'support']);
  expect(alone.exitCode, alone.stderr).toBe(1);
  expect(alone.stderr).toContain('category support cannot be restored alone: foreign key tickets_customer_fk');

  const [billingId] = (await createArchives(config, ['--source', 'app', '--tenant', '2', '--category', 'billing'])) as [string];
  const sidecar = JSON.parse(await readFile(storage.file(dir, `${billingId}.manifest.json`), 'utf8')) as { tables: { name: string; rows: number }[]; details: { categories: unknown } };
  expect(sidecar.tables.map((t) => [t.name, t.rows])).toEqual([
    [db.table('organizations'), 1],
    [db.table('customers'), 1],
    [db.table('invoices'), 2],
    [db.table('payments'), 2],
  ]);
  expect(sidecar.details.categories).toEqual({ billing: ['organizations', 'customers', 'invoices', 'payments'].map(db.qualified) });

  const [fullId] = (await createArchives(config, ['--source', 'app', '--tenant', '2'])) as [string];
  const list = await runCli(['-c', config, '--json', 'list', '--long']);
  expect(list.json.archives.map((a: { id: string; categories: string[] }) => [a.id, a.categories])).toEqual([
    [fullId, ['billing', 'support']],
    [billingId, ['billing']],
  ]);
  const text = await runCli(['-c', config, 'list', '--long']);
  expect(text.stdout).toMatch(/CATEGORIES[\s\S]*billing,support/);

  await db.exec(`DELETE FROM payments WHERE id = 3`);
  await db.exec(`UPDATE tickets SET title = 'edited'`);
  const restored = await runCli(['-c', config, 'restore', fullId, '--only', 'billing', '--yes']);
  expect(restored.exitCode, restored.stderr).toBe(0);
  expect(await db.query(`SELECT id, amount FROM payments ORDER BY id`)).toEqual([
    { id: 1, amount: 10 },
    { id: 2, amount: 20 },
    { id: 3, amount: 15 },
  ]);
  // tickets is not in billing: left as it was.
  expect(await db.query(`SELECT title FROM tickets`)).toEqual([{ title: 'edited' }]);
}
