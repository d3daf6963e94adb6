/**
 * diff of rows archives through the built binary, on PostgreSQL and MySQL/MariaDB: two archives
 * of a tenant, and an archive against the tenant's live rows, after updates, deletes and inserts
 * (another tenant's changes never count); a child table without the tenant column; a table
 * without a primary key compared as whole rows (a changed row = one removed + one added).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, psql } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const SCHEMA = `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(20) NOT NULL);
  CREATE TABLE items (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations (id), title varchar(50), price decimal(10,2));
  CREATE TABLE notes (id int PRIMARY KEY, item_id int NOT NULL REFERENCES items (id), body text);
  CREATE TABLE logs (org_id int NOT NULL REFERENCES organizations (id), message varchar(50));
  INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
  INSERT INTO items VALUES (1, 1, 'a', 1.00), (2, 1, 'b', 2.00), (3, 1, 'c', NULL), (4, 1, 'd', 4.00), (10, 2, 'other', 9.00);
  INSERT INTO notes VALUES (1, 1, 'n1'), (2, 2, 'n2'), (3, 10, 'other');
  INSERT INTO logs VALUES (1, 'x'), (1, 'y'), (1, 'y'), (2, 'other');`;

/** Tenant 1: item 2 changed, 3 deleted (with nothing pointing at it), 5 inserted; a note added; one 'y' log changed. Tenant 2 changes too. */
const CHANGES = `UPDATE items SET price = 2.50 WHERE id = 2;
  DELETE FROM items WHERE id = 3;
  INSERT INTO items VALUES (5, 1, 'e', 5.00), (11, 2, 'other2', 1.00);
  INSERT INTO notes VALUES (4, 4, 'n4');
  UPDATE items SET title = 'changed' WHERE id = 10;
  DELETE FROM logs WHERE org_id = 2;`;

interface TableDiff {
  name: string;
  keyed: boolean;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  samples: { added: string[]; removed: string[]; changed: string[] };
}

function byName(json: Record<string, unknown>): Record<string, TableDiff> {
  return Object.fromEntries((json.tables as TableDiff[]).map((t) => [t.name.replace(/^.*\./, ''), t]));
}

interface Engine {
  name: string;
  setup(): Promise<{ source: Record<string, unknown>; exec(sql: string): Promise<void>; drop(): Promise<void> }>;
  logChange: string;
}

const engines: Engine[] = [
  {
    name: 'postgres',
    logChange: "UPDATE logs SET message = 'z' WHERE ctid = (SELECT min(ctid) FROM logs WHERE org_id = 1 AND message = 'y')",
    async setup() {
      const db = await createDb('obdiff');
      await psql(db, { sql: SCHEMA });
      return { source: pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }), exec: (sql) => psql(db, { sql }), drop: () => dropDb(db) };
    },
  },
  {
    name: 'mysql',
    logChange: "UPDATE logs SET message = 'z' WHERE org_id = 1 AND message = 'y' LIMIT 1",
    async setup() {
      const db = await createMysqlDb('ob_diff');
      await mysqlExec(db, SCHEMA);
      return {
        source: { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } },
        exec: (sql) => mysqlExec(db, sql),
        drop: () => dropMysqlDb(db),
      };
    },
  },
];

describe.each(engines)('diff ($name rows mode)', (engine) => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  let db: Awaited<ReturnType<Engine['setup']>>;
  let config: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    tmp = await tempDir('orgbackup-e2e-diff-');
    db = await engine.setup();
    config = await configWith(tmp.dir, db.source);
    [first] = (await createArchives(config, ['--tenant', '1'])) as [string];
    await db.exec(CHANGES);
    await db.exec(engine.logChange);
    [second] = (await createArchives(config, ['--tenant', '1'])) as [string];
  });

  afterAll(async () => {
    await db?.drop().catch(() => undefined);
    await tmp?.cleanup();
  });

  it('counts rows added, removed and changed between two archives, by primary key', async () => {
    const res = await runCli(['-c', config, '--json', 'diff', first, second]);
    expect(res.exitCode, res.stderr).toBe(0);
    const t = byName(res.json);
    expect(t.items).toMatchObject({ keyed: true, added: 1, removed: 1, changed: 1, unchanged: 2, samples: { added: ['5'], removed: ['3'], changed: ['2'] } });
    expect(t.notes).toMatchObject({ keyed: true, added: 1, removed: 0, changed: 0, unchanged: 2, samples: { added: ['4'] } });
    expect(t.organizations).toMatchObject({ added: 0, removed: 0, changed: 0, unchanged: 1 });
    expect(res.json.identical).toBe(false);
  });

  it('compares a table without a primary key as whole rows: a changed row is one removed and one added', async () => {
    const res = await runCli(['-c', config, '--json', 'diff', first, second]);
    expect(byName(res.json).logs).toMatchObject({ keyed: false, added: 1, removed: 1, changed: 0, unchanged: 2, samples: { added: [], removed: [], changed: [] } });
  });

  it('compares an archive with the live rows, and the newest archive with unchanged live rows as identical', async () => {
    await db.exec('DELETE FROM notes WHERE id = 1');
    const res = await runCli(['-c', config, '--json', 'diff', second, '--live']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.to).toMatchObject({ live: true });
    expect(byName(res.json).notes).toMatchObject({ removed: 1, samples: { removed: ['1'] } });
    expect(res.json.totals).toMatchObject({ added: 0, removed: 1, changed: 0 });
    await db.exec("INSERT INTO notes VALUES (1, 1, 'n1')");
    const same = await runCli(['-c', config, '--json', 'diff', second, '--live']);
    expect(same.json.identical, JSON.stringify(same.json.tables)).toBe(true);
  });

  it('prints a table and sample keys as text, and refuses without a second side', async () => {
    const res = await runCli(['-c', config, 'diff', first, second]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/items\s+1\s+1\s+1\s+2/);
    expect(res.stdout).toContain('items changed: 2');
    expect(res.stdout).toContain('3 added, 2 removed, 1 changed');
    const none = await runCli(['-c', config, 'diff', first]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--live');
  });
});
