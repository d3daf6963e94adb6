/**
 * MySQL/MariaDB rows restore and the target's triggers, through the built binary. MySQL has no
 * way to switch triggers off for a session, so the restore writes only rows whose archived values
 * differ: unchanged rows never fire a trigger and keep their dates. The tenant's `tasks` stamp
 * `updated_at = NOW(6)` on insert and update and write an audit row on insert; `notes` has no
 * primary key. The restore test's scratch database gets triggers only after the shared rows (the
 * shared `stats` is dumped after `products`, whose trigger inserts a row per product into it).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-trig-');
});
afterEach(async () => {
  for (const db of databases.splice(0)) await dropMysqlDb(db);
  await work.cleanup();
});

const SCHEMA = `
  CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(20) NOT NULL);
  CREATE TABLE trail (id int AUTO_INCREMENT PRIMARY KEY, tbl varchar(20) NOT NULL, row_id int NOT NULL);
  CREATE TABLE products (id int PRIMARY KEY, name varchar(20) NOT NULL);
  CREATE TABLE stats (product_id int PRIMARY KEY, uses int NOT NULL);
  CREATE TABLE tasks (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, product_id int, title varchar(20), updated_at datetime(6) NOT NULL,
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (product_id) REFERENCES products (id));
  CREATE TABLE notes (org_id int NOT NULL, body varchar(20), updated_at datetime(6) NOT NULL, FOREIGN KEY (org_id) REFERENCES organizations (id));
  INSERT INTO organizations VALUES (1, 'org1'), (2, 'org2'), (3, 'org3');
  INSERT INTO products VALUES (1, 'p1'), (2, 'p2');
  INSERT INTO tasks (org_id, product_id, title, updated_at)
    SELECT 1 + n % 3, 1 + n % 2, CONCAT('t', n), TIMESTAMP('2020-01-01') + INTERVAL n DAY FROM (SELECT seq AS n FROM seq_1_to_60) g;
  INSERT INTO notes SELECT 1 + n % 3, CONCAT('n', n % 9), TIMESTAMP('2021-06-01') + INTERVAL (n % 9) HOUR FROM (SELECT seq AS n FROM seq_1_to_36) g;
  DELIMITER ;;
  CREATE TRIGGER tasks_stamp_ins BEFORE INSERT ON tasks FOR EACH ROW SET NEW.updated_at = NOW(6);;
  CREATE TRIGGER tasks_stamp_upd BEFORE UPDATE ON tasks FOR EACH ROW SET NEW.updated_at = NOW(6);;
  CREATE TRIGGER tasks_audit AFTER INSERT ON tasks FOR EACH ROW INSERT INTO trail (tbl, row_id) VALUES ('tasks', NEW.id);;
  CREATE TRIGGER products_stats AFTER INSERT ON products FOR EACH ROW INSERT INTO stats VALUES (NEW.id, 0);;
  CREATE TRIGGER notes_stamp BEFORE INSERT ON notes FOR EACH ROW SET NEW.updated_at = NOW(6);;
  DELIMITER ;
  INSERT INTO stats VALUES (1, 0), (2, 0);
  INSERT INTO products VALUES (3, 'p3');`;

async function fixture(): Promise<{ db: string; config: string }> {
  const db = await createMysqlDb('ob_trig');
  databases.push(db);
  await mysqlExec(db, SCHEMA);
  const config = await writeConfig(work.dir, {
    version: 1,
    sources: { app: { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } } },
    storage: { local: { type: 'local', path: './backups' } },
  });
  return { db, config };
}

interface Task {
  id: number;
  title: string;
  at: string;
}

const tasksOf = (db: string) => mysqlQuery<Task>(db, `SELECT id, title, CAST(updated_at AS char) AS at FROM tasks WHERE org_id = 2 ORDER BY id`);
const notesOf = (db: string) => mysqlQuery<{ r: string }>(db, `SELECT CONCAT_WS('|', body, CAST(updated_at AS char)) AS r FROM notes WHERE org_id = 2 ORDER BY 1`).then((rows) => rows.map((x) => x.r));
const auditCount = async (db: string) => Number((await mysqlQuery<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM trail'))[0]!.n);

async function backup(config: string): Promise<string> {
  const res = await runCli(['-c', config, '--json', 'create', '--source', 'app', '--tenant', '2']);
  expect(res.exitCode, res.stderr).toBe(0);
  return (res.json.archives as { id: string }[])[0]!.id;
}

describe("mysql: rows restore and the target's triggers", () => {
  it('rewrites only rows that differ: unchanged rows keep their dates and fire no trigger', async () => {
    const { db, config } = await fixture();
    const id = await backup(config);
    const archived = await tasksOf(db);
    const archivedNotes = await notesOf(db);
    await mysqlQuery(db, 'DELETE FROM tasks WHERE org_id = 2 ORDER BY id LIMIT 3');
    await mysqlQuery(db, 'UPDATE tasks SET title = UPPER(title) WHERE org_id = 2 ORDER BY id DESC LIMIT 1');
    const audited = await auditCount(db);

    const res = await runCli(['-c', config, 'restore', id, '--yes', '--no-safety-backup']);
    expect(res.exitCode, res.stderr).toBe(0);
    const now = await tasksOf(db);
    expect(now.map((t) => [t.id, t.title])).toEqual(archived.map((t) => [t.id, t.title]));
    // The title changed in case only: a case-insensitive comparison would miss it.
    // The 3 re-inserted rows and the 1 updated row got the triggers' dates; the other 16 kept theirs.
    const restamped = now.filter((t, i) => t.at !== archived[i]!.at).map((t) => t.id);
    expect(restamped).toEqual([...archived.slice(0, 3), archived[archived.length - 1]!].map((t) => t.id));
    expect(await auditCount(db)).toBe(audited + 3);
    expect(await notesOf(db)).toEqual(archivedNotes);
  });

  it("stops, with nothing changed, when an archived key is now held by another tenant's row", async () => {
    const { db, config } = await fixture();
    const id = await backup(config);
    const [moved] = await tasksOf(db);
    await mysqlQuery(db, 'UPDATE tasks SET org_id = 3 WHERE id = ?', [moved!.id]);
    await mysqlQuery(db, 'DELETE FROM tasks WHERE org_id = 2 ORDER BY id DESC LIMIT 2');
    const before = await mysqlQuery<{ r: string }>(db, `SELECT CONCAT_WS('|', id, org_id, title, CAST(updated_at AS char)) AS r FROM tasks ORDER BY id`);

    const res = await runCli(['-c', config, 'restore', id, '--yes', '--no-safety-backup']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('1 archived row(s) of tasks have primary keys now held by rows of another tenant');
    expect(await mysqlQuery(db, `SELECT CONCAT_WS('|', id, org_id, title, CAST(updated_at AS char)) AS r FROM tasks ORDER BY id`)).toEqual(before);
  });

  it('restore test: triggers that fill a shared table do not fire while the shared rows load', async () => {
    const { config } = await fixture();
    const id = await backup(config);
    const res = await runCli(['-c', config, '--json', 'verify', id, '--restore-test']);
    const item = (res.json as { archives: { error?: string; levels: number[] }[] }).archives[0]!;
    expect(item.error, res.stderr).toBeUndefined();
    expect(res.exitCode).toBe(0);
    expect(item.levels).toEqual([1, 2, 3]);
  });
});
