/**
 * MySQL/MariaDB rows archives of tenants whose rows reference other tenants' rows, through the
 * built binary: a store-1 rental of store-2 inventory (one hop), a store-1 employee managed by a
 * store-2 employee managed in turn by another (two hops), and the shared films they lead to. MySQL
 * loads with foreign-key checks off, so without the archived outside rows an empty target would
 * take the tenant's rows with references left dangling (refused by the final foreign-key check).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-outside-');
});
afterEach(async () => {
  for (const db of databases.splice(0)) await dropMysqlDb(db);
  await work.cleanup();
});

const DDL = `
  CREATE TABLE stores (id int PRIMARY KEY, name varchar(20) NOT NULL);
  CREATE TABLE films (id int PRIMARY KEY, title varchar(40) NOT NULL);
  CREATE TABLE inventory (id int PRIMARY KEY, store_id int NOT NULL, film_id int NOT NULL,
    FOREIGN KEY (store_id) REFERENCES stores (id), FOREIGN KEY (film_id) REFERENCES films (id));
  CREATE TABLE rentals (id int PRIMARY KEY, store_id int NOT NULL, inventory_id int NOT NULL,
    FOREIGN KEY (store_id) REFERENCES stores (id), FOREIGN KEY (inventory_id) REFERENCES inventory (id));
  CREATE TABLE staff (id int PRIMARY KEY, store_id int NOT NULL, manager_id int NULL, name varchar(20),
    FOREIGN KEY (store_id) REFERENCES stores (id), CONSTRAINT staff_manager FOREIGN KEY (manager_id) REFERENCES staff (id));`;
const DATA = `
  INSERT INTO stores VALUES (1, 'one'), (2, 'two');
  INSERT INTO films SELECT seq, CONCAT('film ', seq) FROM seq_1_to_5;
  INSERT INTO inventory SELECT seq, 2 - seq % 2, 1 + seq % 5 FROM seq_1_to_10;
  INSERT INTO rentals SELECT seq, 2 - seq % 2, 1 + (seq * 3) % 10 FROM seq_1_to_20;
  INSERT INTO staff VALUES (3, 2, NULL, 'boss'), (2, 2, 3, 'lead'), (1, 1, 2, 'clerk'), (4, 1, 1, 'junior');`;

async function fixture(): Promise<{ db: string; config: string }> {
  const db = await createMysqlDb('ob_out');
  databases.push(db);
  await mysqlExec(db, DDL + DATA);
  const config = await writeConfig(work.dir, {
    version: 1,
    sources: { app: { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'store_id', query: 'SELECT id, name FROM stores ORDER BY id' } } },
    storage: { local: { type: 'local', path: './backups' } },
  });
  return { db, config };
}

const tenantRows = async (db: string) => ({
  rentals: await mysqlQuery(db, 'SELECT id, inventory_id FROM rentals WHERE store_id = 1 ORDER BY id'),
  inventory: await mysqlQuery(db, 'SELECT id, film_id FROM inventory WHERE store_id = 1 ORDER BY id'),
  staff: await mysqlQuery(db, 'SELECT id, manager_id, name FROM staff WHERE store_id = 1 ORDER BY id'),
});

async function backup(config: string): Promise<{ id: string; stderr: string }> {
  const res = await runCli(['-c', config, '--json', '-v', 'create', '--source', 'app', '--tenant', '1']);
  expect(res.exitCode, res.stderr).toBe(0);
  return { id: (res.json.archives as { id: string }[])[0]!.id, stderr: res.stderr };
}

describe('mysql rows: outside references', () => {
  it('are recorded, said at -v, and make the restore test pass', async () => {
    const { db, config } = await fixture();
    const { id, stderr } = await backup(config);
    expect(stderr).toMatch(new RegExp(`${db}\\.rentals\\.\\S+ \\(inventory_id\\) -> 5 row\\(s\\) of ${db}\\.inventory outside the tenant`));
    expect(stderr).toContain(`${db}.staff.staff_manager (manager_id) -> 1 row(s) of ${db}.staff outside the tenant`);
    const res = await runCli(['-c', config, '--json', 'verify', id, '--restore-test']);
    const item = (res.json as { archives: { error?: string; levels: number[]; restoreTest?: { rows: number } }[] }).archives[0]!;
    expect(item.error, res.stderr).toBeUndefined();
    expect(item.levels).toEqual([1, 2, 3]);
    // Only the tenant's rows count: 1 store, 5 inventory, 10 rentals, 2 staff.
    expect(item.restoreTest?.rows).toBe(18);
  });

  it('restore --target into an empty schema copy adds them and holds exactly the tenant', async () => {
    const { db, config } = await fixture();
    const { id } = await backup(config);
    const copy = await createMysqlDb('ob_out_copy');
    databases.push(copy);
    await mysqlExec(copy, DDL);
    const dry = await runCli(['-c', config, 'restore', id, '--target', mysqlUrl(copy), '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout + dry.stderr).toContain('added where the target lacks them');
    const res = await runCli(['-c', config, 'restore', id, '--target', mysqlUrl(copy), '--yes', '--no-safety-backup']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await tenantRows(copy)).toEqual(await tenantRows(db));
    // Store 2's referenced inventory and the two managers above the clerk, and no other row of store 2.
    expect(await mysqlQuery(copy, 'SELECT id FROM staff WHERE store_id = 2 ORDER BY id')).toEqual([{ id: 2 }, { id: 3 }]);
    expect((await mysqlQuery(copy, 'SELECT id FROM inventory WHERE store_id = 2')).length).toBe(5);
    expect(await mysqlQuery(copy, 'SELECT id FROM rentals WHERE store_id = 2')).toEqual([]);
  });

  it('a live restore relies on the live rows and names a missing one, changing nothing', async () => {
    const { db, config } = await fixture();
    const { id } = await backup(config);
    await mysqlExec(db, 'SET foreign_key_checks = 0; DELETE FROM staff WHERE id = 2; DELETE FROM staff WHERE id = 4;');
    const before = await tenantRows(db);
    const res = await runCli(['-c', config, 'restore', id, '--yes', '--no-safety-backup']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('restored rows of staff reference staff rows that are not there (foreign key staff_manager)');
    expect(await tenantRows(db)).toEqual(before);
  });
});
