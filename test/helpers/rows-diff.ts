/**
 * The fixture and checks of `diff` in rows mode, shared by the local suite (diff-rows) and the
 * remote-storage one: a tenant archived twice around updates, deletes and inserts (another
 * tenant's changes never count), then diffed archive to archive and archive to live rows.
 */
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { createArchives } from './restore.js';
import { workDir, type Later } from './restore-fixtures.js';
import { ORG_TENANTS, type RowsDb, type RowsEngine } from './rows-engines.js';
import type { StorageUnderTest } from './storages-under-test.js';

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

/** One of two identical rows of a table without a primary key, changed: each engine has its own way to name it. */
const LOG_CHANGE: Record<RowsEngine['name'], string> = {
  postgres: "UPDATE logs SET message = 'z' WHERE ctid = (SELECT min(ctid) FROM logs WHERE org_id = 1 AND message = 'y')",
  mysql: "UPDATE logs SET message = 'z' WHERE org_id = 1 AND message = 'y' LIMIT 1",
};

export interface TableDiff {
  name: string;
  keyed: boolean;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  samples: { added: string[]; removed: string[]; changed: string[] };
}

export function byName(json: Record<string, unknown>): Record<string, TableDiff> {
  return Object.fromEntries((json.tables as TableDiff[]).map((t) => [t.name.replace(/^.*\./, ''), t]));
}

export interface DiffFixture {
  db: RowsDb;
  config: string;
  first: string;
  second: string;
}

/** Tenant 1 archived before and after CHANGES. */
export async function diffFixture(engine: RowsEngine, storage: StorageUnderTest, later: Later): Promise<DiffFixture> {
  const db = await engine.create(later, 'diff', SCHEMA);
  const config = await storage.config(await workDir(later), db.source(ORG_TENANTS));
  const [first] = (await createArchives(config, ['--tenant', '1'])) as [string];
  await db.exec(CHANGES);
  await db.exec(LOG_CHANGE[engine.name]);
  const [second] = (await createArchives(config, ['--tenant', '1'])) as [string];
  return { db, config, first, second };
}

/** The two archives differ by primary key in items and notes, and not at all in organizations. */
export async function expectArchivesDiff({ config, first, second }: DiffFixture): Promise<Record<string, TableDiff>> {
  const res = await runCli(['-c', config, '--json', 'diff', first, second]);
  expect(res.exitCode, res.stderr).toBe(0);
  const t = byName(res.json);
  expect(t.items).toMatchObject({ keyed: true, added: 1, removed: 1, changed: 1, unchanged: 2, samples: { added: ['5'], removed: ['3'], changed: ['2'] } });
  expect(t.notes).toMatchObject({ keyed: true, added: 1, removed: 0, changed: 0, unchanged: 2, samples: { added: ['4'] } });
  expect(t.organizations).toMatchObject({ added: 0, removed: 0, changed: 0, unchanged: 1 });
  expect(res.json.identical).toBe(false);
  return t;
}

/** A live note deleted shows as removed against the newest archive; put back, the two are identical. */
export async function expectLiveDiff({ db, config, second }: DiffFixture): Promise<void> {
  await db.exec('DELETE FROM notes WHERE id = 1');
  const res = await runCli(['-c', config, '--json', 'diff', second, '--live']);
  expect(res.exitCode, res.stderr).toBe(0);
  expect(res.json.to).toMatchObject({ live: true });
  expect(byName(res.json).notes).toMatchObject({ removed: 1, samples: { removed: ['1'] } });
  expect(res.json.totals).toMatchObject({ added: 0, removed: 1, changed: 0 });
  await db.exec("INSERT INTO notes VALUES (1, 1, 'n1')");
  const same = await runCli(['-c', config, '--json', 'diff', second, '--live']);
  expect(same.json.identical, JSON.stringify(same.json.tables)).toBe(true);
}
