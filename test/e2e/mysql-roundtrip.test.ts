/**
 * MySQL/MariaDB whole-database round trips through the built binary (modes none and database):
 * create -> list -> verify -> restore gives identical data and objects (per-table digests plus
 * columns, foreign keys, views, routines, triggers, events) on the multi-tenant fixture (ENUM/SET,
 * JSON, BLOBs with quote/backslash/NUL bytes) and on Chinook (utf8mb3 columns, foreign keys).
 * The password, full of option-file metacharacters, never leaves the process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { DATASETS_SKIP_REASON, dataset, hasDatasets } from '../helpers/datasets.js';
import { createMysqlDb, createMysqlUser, dropMysqlDb, loadChinookMysql, mysqlDigests, mysqlLoadFile, mysqlQuery, mysqlUrl, routineReadGrant } from '../helpers/mysql.js';
import { ROOT } from '../helpers/cli.js';
import type { Sidecar } from '../../src/archive/manifest.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/mysql-saas.sql');
const FIXTURE_ROWS = { countries: 4, organizations: 20, departments: 100, users: 500, assets: 2000, issues: 8000, issue_comments: 4000, notifications: 4000 };

let work: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-');
});
afterEach(async () => {
  for (const db of databases.splice(0)) await dropMysqlDb(db);
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await work.cleanup();
});

async function newDb(prefix = 'ob_my'): Promise<string> {
  const db = await createMysqlDb(prefix);
  databases.push(db);
  return db;
}

async function cli(config: string, ...args: string[]) {
  return runCli(['-c', config, '--json', ...args], { env: { MYSQL_TEST_PASSWORD: PASSWORD } });
}

function sourceConfig(source: Record<string, unknown>): Record<string, unknown> {
  return { version: 1, sources: { app: { type: 'mysql', ...source } }, storage: { local: { type: 'local', path: './backups' } } };
}

async function readSidecar(id: string): Promise<Sidecar> {
  return JSON.parse(await readFile(path.join(work.dir, 'backups', `${id}.manifest.json`), 'utf8')) as Sidecar;
}

const PASSWORD = `p@ss "w'rd" \\ #; x=1`;

describe('mysql: the multi-tenant fixture, mode none', () => {
  it('round-trips data, routines, triggers, events and views, to --target and in place, with a password kept secret', async () => {
    const db = await newDb();
    await mysqlLoadFile(db, FIXTURE);
    const before = await mysqlDigests(db);
    const account = await createMysqlUser(PASSWORD, [`GRANT ALL ON \`${db}\`.* TO %u`, `GRANT ALL ON \`${db}_copy\`.* TO %u`, await routineReadGrant()]);
    cleanups.push(() => account.drop());
    const config = await writeConfig(work.dir, sourceConfig({ url: mysqlUrl(db, account.user), password: '${MYSQL_TEST_PASSWORD}' }));

    const created = await cli(config, 'create');
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives[0] as { id: string }).id;
    const sidecar = await readSidecar(id);
    expect(Object.fromEntries(sidecar.tables.map((t) => [t.name, t.rows]))).toEqual(FIXTURE_ROWS);
    expect(sidecar.entries.map((e) => e.name)).toEqual(['db.sql.zst']);
    expect(sidecar.source).toMatchObject({ type: 'mysql', database: db });
    expect(sidecar.source.serverVersion).toMatch(/^\d+\.\d+/);
    expect(sidecar.dump.args).toContain('--single-transaction');
    expect(sidecar.dump.args[0]).toBe('--defaults-extra-file=<0600 option file>');
    const orgColumns = sidecar.schemaFingerprint?.tables.find((t) => t.name === 'organizations')?.columns;
    expect(orgColumns?.find((c) => c.name === 'plan')?.type).toBe("enum('free','basic','pro','enterprise')");

    const verified = await cli(config, 'verify', id);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json.archives[0]).toMatchObject({ status: 'ok', levels: [1, 2] });
    const listed = await cli(config, 'list', '--long');
    expect(listed.stdout).toContain(id);

    databases.push(`${db}_copy`);
    const copied = await cli(config, 'restore', id, '--target', mysqlUrl(`${db}_copy`, account.user), '--yes');
    expect(copied.exitCode, copied.stderr).toBe(0);
    expect(await mysqlDigests(`${db}_copy`)).toEqual(before);

    for (const sql of ['DELETE FROM issue_comments WHERE id % 3 = 0', "UPDATE organizations SET name = 'changed'", 'DROP TRIGGER issues_touch', 'DROP EVENT purge_read_notifications'])
      await mysqlQuery(db, sql);
    expect(await mysqlDigests(db)).not.toEqual(before);
    const inPlace = await cli(config, 'restore', id, '--yes');
    expect(inPlace.exitCode, inPlace.stderr).toBe(0);
    expect(inPlace.json.safetyBackup.id).toMatch(/^app\/_all\//);
    expect(await mysqlDigests(db)).toEqual(before);

    const everything = [created, verified, listed, copied, inPlace].map((r) => r.stdout + r.stderr).join('\n') + (await readFile(path.join(work.dir, 'backups', `${id}.manifest.json`), 'utf8'));
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain("w'rd");
  });
});

describe('mysql: mode database', () => {
  it('backs up each matching database (LIKE, exclude), and recreates a dropped tenant database', async () => {
    const prefix = uniqueName('obt').toLowerCase();
    const tenants = ['acme', 'globex', 'initech'].map((t) => `${prefix}_${t}`);
    for (const name of tenants) {
      await mysqlQuery(undefined, `CREATE DATABASE \`${name}\``);
      databases.push(name);
      await mysqlLoadFile(name, FIXTURE);
    }
    await mysqlQuery(tenants[1], 'DELETE FROM notifications WHERE id > 100');
    const config = await writeConfig(work.dir, sourceConfig({ url: mysqlUrl(''), tenants: { mode: 'database', match: `${prefix.replace(/_/g, '\\_')}\\_%`, exclude: [tenants[2]] } }));
    const before = await mysqlDigests(tenants[1]!);

    const created = await cli(config, 'create');
    expect(created.exitCode, created.stderr).toBe(0);
    expect((created.json.archives as { tenant: string }[]).map((a) => a.tenant).sort()).toEqual(tenants.slice(0, 2));
    const globex = (created.json.archives as { tenant: string; id: string; rows: number }[]).find((a) => a.tenant === tenants[1])!;
    expect(globex.rows).toBe(Object.values(FIXTURE_ROWS).reduce((a, b) => a + b, 0) - 3900);

    await mysqlQuery(undefined, `DROP DATABASE \`${tenants[1]}\``);
    const restored = await cli(config, 'restore', globex.id, '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json.safetyBackup).toBeUndefined();
    expect(await mysqlDigests(tenants[1]!)).toEqual(before);
    const [charset] = await mysqlQuery<{ c: string }>(undefined, 'SELECT DEFAULT_CHARACTER_SET_NAME AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [tenants[1]]);
    expect(charset?.c).toBe('utf8mb4');
  });
});

describe.skipIf(!hasDatasets)(`mysql: Chinook (${hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON})`, () => {
  it('keeps utf8mb3 columns, foreign keys and every row', async () => {
    const db = await newDb('ob_chinook');
    await loadChinookMysql(db, dataset('chinook', 'Chinook_MySql.sql'));
    const before = await mysqlDigests(db);
    const [utf8mb3] = await mysqlQuery<{ n: number }>(undefined, "SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND CHARACTER_SET_NAME IN ('utf8mb3', 'utf8')", [db]);
    expect(Number(utf8mb3?.n)).toBeGreaterThan(0);
    const config = await writeConfig(work.dir, sourceConfig({ url: mysqlUrl(db) }));
    const created = await cli(config, 'create');
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.json.archives[0].rows).toBe(15607);
    const copy = `${db}_copy`;
    databases.push(copy);
    const restored = await cli(config, 'restore', 'latest', '--source', 'app', '--target', mysqlUrl(copy), '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await mysqlDigests(copy)).toEqual(before);
    const [fks] = await mysqlQuery<{ n: number }>(undefined, 'SELECT COUNT(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?', [copy]);
    expect(Number(fks?.n)).toBe(11);
  });
});
