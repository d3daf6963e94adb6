/**
 * MySQL/MariaDB rows mode reading many tenants in one pass (src/sources/mysql/rows/batch.ts), through
 * the built binary: every tenant's archive read with the others holds exactly the entries (names,
 * sizes, sha256 of the stored bytes), table counts, checksums and outside references of the same
 * tenant read on its own, on the project fixture, on tenants whose rows reference other tenants'
 * rows (one and two hops), and on a case-insensitive string tenant column the ids differ from in
 * case. A batch that cannot be read falls back to one query per tenant; a user without CREATE
 * TEMPORARY TABLES gets the per-tenant read, said why.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/archive/manifest.js';
import { ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { createMysqlDb, createMysqlUser, dropMysqlDb, mysqlExec, mysqlLoadFile, mysqlUrl, routineReadGrant } from '../helpers/mysql.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/mysql-saas.sql');

let work: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-one-pass-');
});
afterEach(async () => {
  for (const db of databases.splice(0)) await dropMysqlDb(db);
  await work.cleanup();
});

async function database(setup: (db: string) => Promise<void>): Promise<string> {
  const db = await createMysqlDb('ob_onepass');
  databases.push(db);
  await setup(db);
  return db;
}

async function config(url: string, tenants: Record<string, unknown>): Promise<string> {
  return writeConfig(work.dir, {
    version: 1,
    sources: { app: { type: 'mysql', url, tenants: { mode: 'rows', ...tenants } } },
    storage: { local: { type: 'local', path: './backups' } },
  });
}

const create = (file: string, ...args: string[]) => runCli(['-c', file, '--json', '-v', 'create', ...args]);

interface Archive {
  id: string;
  tenant: string;
  status: string;
}
const archivesOf = (result: CliResult) => result.json.archives as Archive[];

type RowsSidecar = Sidecar & { details: Record<string, unknown> };
const sidecar = async (id: string) => JSON.parse(await readFile(path.join(work.dir, 'backups', `${id}.manifest.json`), 'utf8')) as RowsSidecar;

/** What must not depend on how the tenant was read: the stored entries, the counts and checksums, the plan and outside references. */
function content(s: RowsSidecar) {
  const { snapshotAt: _snapshot, ...details } = s.details;
  return { entries: s.entries, tables: s.tables, details };
}

/** Creates every tenant in one run, then each of `alone` in a run of its own, and compares each pair. */
async function compareBothWays(file: string, alone: readonly string[], minRows: number): Promise<RowsSidecar[]> {
  const batch = await create(file, '--jobs', '2');
  expect(batch.exitCode, batch.stderr).toBe(0);
  expect(batch.stderr).toMatch(new RegExp(`${archivesOf(batch).length} tenants read in one pass`));
  const compared: RowsSidecar[] = [];
  for (const tenant of alone) {
    const single = await create(file, '--tenant', tenant);
    expect(single.exitCode, single.stderr).toBe(0);
    expect(single.stderr).not.toMatch(/in one pass/);
    const inBatch = await sidecar(archivesOf(batch).find((a) => a.tenant === tenant)!.id);
    const byItself = await sidecar(archivesOf(single)[0]!.id);
    expect(content(inBatch), `tenant ${tenant}`).toEqual(content(byItself));
    expect(inBatch.details.snapshotAt).toMatch(/^\d{4}-/);
    expect(byItself.details.snapshotAt).toBeUndefined();
    expect(
      inBatch.tables.reduce((n, t) => n + t.rows, 0),
      `tenant ${tenant}`,
    ).toBeGreaterThanOrEqual(minRows);
    compared.push(inBatch);
  }
  return compared;
}

const OUTSIDE = `
  CREATE TABLE stores (id int PRIMARY KEY, name varchar(20) NOT NULL);
  CREATE TABLE films (id int PRIMARY KEY, title varchar(40) NOT NULL);
  CREATE TABLE inventory (id int PRIMARY KEY, store_id int NOT NULL, film_id int NOT NULL,
    FOREIGN KEY (store_id) REFERENCES stores (id), FOREIGN KEY (film_id) REFERENCES films (id));
  CREATE TABLE rentals (id int PRIMARY KEY, store_id int NOT NULL, inventory_id int NOT NULL,
    FOREIGN KEY (store_id) REFERENCES stores (id), FOREIGN KEY (inventory_id) REFERENCES inventory (id));
  CREATE TABLE staff (id int PRIMARY KEY, store_id int NOT NULL, manager_id int NULL, name varchar(20),
    FOREIGN KEY (store_id) REFERENCES stores (id), CONSTRAINT staff_manager FOREIGN KEY (manager_id) REFERENCES staff (id));
  INSERT INTO stores VALUES (1, 'one'), (2, 'two'), (3, 'three');
  INSERT INTO films SELECT seq, CONCAT('film ', seq) FROM seq_1_to_6;
  INSERT INTO inventory SELECT seq, 1 + seq % 3, 1 + seq % 6 FROM seq_1_to_15;
  INSERT INTO rentals SELECT seq, 1 + seq % 3, 1 + (seq * 7) % 15 FROM seq_1_to_30;
  -- A chain across stores: 1 -> 2 -> 3 -> (none), and 6 -> 5 -> 4 the other way round.
  INSERT INTO staff VALUES (3, 3, NULL, 'boss'), (2, 2, 3, 'lead'), (1, 1, 2, 'clerk'),
    (4, 1, NULL, 'owner'), (5, 2, 4, 'deputy'), (6, 3, 5, 'junior');`;

describe('mysql rows mode: one pass over all tenants', () => {
  it('writes the same entries, counts and checksums as each tenant read alone (project fixture)', async () => {
    const db = await database((d) => mysqlLoadFile(d, FIXTURE));
    const file = await config(mysqlUrl(db), { column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' });
    const [first] = await compareBothWays(file, ['1', '7', '20'], 500);
    // The JSON, BLOB and escaped-text columns are in what was compared.
    expect(first!.entries.map((e) => e.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^rows\/assets\.sql/), expect.stringMatching(/^outside\/countries\.sql/)]));
  });

  it('gives each tenant the same outside rows, one and two hops away, as read alone', async () => {
    const db = await database((d) => mysqlExec(d, OUTSIDE));
    const file = await config(mysqlUrl(db), { column: 'store_id', query: 'SELECT id, name FROM stores ORDER BY id' });
    const compared = await compareBothWays(file, ['1', '2', '3'], 10);
    for (const s of compared) {
      const outside = s.details.outside as { tables: { name: string; rows: number }[] };
      expect(outside.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['inventory', 'staff']));
    }
    // Store 1's clerk reports to store 2's lead (one hop), who reports to store 3's boss (two hops).
    const staff = (compared[0]!.details.outside as { tables: { name: string; rows: number }[] }).tables.find((t) => t.name === 'staff');
    expect(staff?.rows).toBe(2);
  });

  it('matches rows like the per-tenant comparison on a case-insensitive string tenant column', async () => {
    const db = await database((d) =>
      mysqlExec(
        d,
        `CREATE TABLE teams (code varchar(10) COLLATE utf8mb4_unicode_ci PRIMARY KEY, label varchar(20));
         CREATE TABLE notes (id int PRIMARY KEY, team varchar(10) COLLATE utf8mb4_unicode_ci NOT NULL, body text, FOREIGN KEY (team) REFERENCES teams (code));
         INSERT INTO teams VALUES ('acme', 'Acme'), ('zeta', 'Zeta');
         INSERT INTO notes SELECT seq, IF(seq % 2, 'acme', 'zeta'), CONCAT('note ', seq) FROM seq_1_to_20;`,
      ),
    );
    // The ids come in upper case: 'ACME' = 'acme' in that collation, for one tenant as for all.
    const file = await config(mysqlUrl(db), { column: 'team', query: 'SELECT UPPER(code) AS id FROM teams ORDER BY code' });
    const compared = await compareBothWays(file, ['ACME', 'ZETA'], 11);
    expect(compared.map((s) => s.tables.find((t) => t.name === 'notes')?.rows)).toEqual([10, 10]);
  });

  it('falls back to one query per tenant when the one pass cannot be read; each tenant then stands alone', async () => {
    const db = await database((d) => mysqlLoadFile(d, FIXTURE));
    // 'not-a-number' does not fit the BIGINT tenant column: the keys table refuses it (strict mode).
    const file = await config(mysqlUrl(db), { column: 'org_id', query: "SELECT CAST(id AS CHAR) AS id FROM organizations WHERE id <= 3 UNION ALL SELECT 'not-a-number'" });
    const result = await create(file, '--jobs', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/reading all tenants' rows in one pass failed .*reading each tenant on its own/);
    const byTenant = Object.fromEntries(archivesOf(result).map((a) => [a.tenant, a]));
    for (const id of ['1', '2', '3', 'not-a-number']) expect(byTenant[id]?.status, id).toBe('ok');
    expect((await sidecar(byTenant['not-a-number']!.id)).tables.every((t) => t.rows === 0)).toBe(true);
  });

  it('reads tenant by tenant, and says how to get the one pass, for a user who may not create temporary tables', async () => {
    const db = await database((d) => mysqlLoadFile(d, FIXTURE));
    const account = await createMysqlUser('one-pass-secret', [`GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`${db}\`.* TO %u`, await routineReadGrant()]);
    try {
      const file = await config(mysqlUrl(db, account.user, 'one-pass-secret'), { column: 'org_id', query: 'SELECT id FROM organizations WHERE id <= 4' });
      const result = await create(file, '--jobs', '2');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/one query per tenant: the user may not create temporary tables \(GRANT CREATE TEMPORARY TABLES/);
      expect(archivesOf(result).map((a) => a.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    } finally {
      await account.drop();
    }
  });
});
