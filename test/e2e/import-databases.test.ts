/**
 * import and restore FILE with PostgreSQL sources, through the built binary: a rows-mode archive of
 * one tenant, downloaded with `get` from one installation, is imported by another and verified there;
 * `restore ./FILE` gives back exactly that tenant's archived rows and touches no other tenant; a
 * whole-database archive restores from its file into a new database (--target) with every table equal;
 * a MySQL/MariaDB archive is imported (its dump read back) and restored from its file over edits.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { pgSource } from '../helpers/restore.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function fixture(): Promise<{ db: string; dir: string }> {
  const db = await createDb('obimp');
  cleanups.push(() => dropDb(db));
  await psql(db, {
    sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
          CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text, meta jsonb);
          INSERT INTO organizations SELECT g, 'org' || g FROM generate_series(1, 3) g;
          INSERT INTO projects (org_id, name, meta) SELECT 1 + g % 3, 'p' || g, jsonb_build_object('n', g) FROM generate_series(1, 60) g;`,
  });
  const tmp = await tempDir('orgbackup-e2e-import-pg-');
  cleanups.push(() => tmp.cleanup());
  return { db, dir: tmp.dir };
}

const installation = (dir: string, name: string, source: Record<string, unknown>) =>
  writeConfig(dir, { version: 1, sources: { app: source }, storage: { [name]: { type: 'local', path: path.join(dir, name) } } }, `${name}.json`);

async function archiveFile(config: string, dir: string, extra: string[]): Promise<{ id: string; file: string }> {
  const created = await runCli(['-c', config, '--json', 'create', ...extra]);
  expect(created.exitCode, created.stderr).toBe(0);
  const id = created.json.archives[0].id as string;
  const file = path.join(dir, 'archive.zip');
  await rm(file, { force: true });
  const got = await runCli(['-c', config, 'get', id, '-o', file]);
  expect(got.exitCode, got.stderr).toBe(0);
  return { id, file };
}

const tenantRows = async (db: string, org: number) => (await pgQuery<{ d: string }>(db, `SELECT string_agg(p::text, '|' ORDER BY id) AS d FROM projects p WHERE org_id = ${org}`))[0]!.d;

describe('import and restore FILE, databases', () => {
  it('rows mode: imported and verified elsewhere; restore ./FILE gives back the tenant and touches no other', async () => {
    const { db, dir } = await fixture();
    const source = pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' });
    const origin = await installation(dir, 'origin', source);
    const here = await installation(dir, 'here', source);
    const { id, file } = await archiveFile(origin, dir, ['--tenant', '2']);

    const imported = await runCli(['-c', here, '--json', 'import', file]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.json).toMatchObject({ id, tenant: '2', levels: [1, 2], storages: [{ name: 'here', status: 'stored' }] });
    const verified = await runCli(['-c', here, '--json', 'verify', id]);
    expect(verified.exitCode, verified.stderr).toBe(0);

    const archived = await tenantRows(db, 2);
    const others = [await tenantRows(db, 1), await tenantRows(db, 3)];
    await psql(db, { sql: `UPDATE projects SET name = 'edited' WHERE org_id = 2; DELETE FROM projects WHERE org_id = 2 AND id < 20; UPDATE projects SET name = 'kept' WHERE org_id = 1;` });
    const othersNow = [await tenantRows(db, 1), await tenantRows(db, 3)];
    expect(othersNow).not.toEqual(others);

    const dry = await runCli(['-c', here, '--json', 'restore', './archive.zip', '--dry-run'], { cwd: dir });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(await tenantRows(db, 2)).not.toBe(archived);
    const restored = await runCli(['-c', here, '--json', 'restore', './archive.zip', '--yes'], { cwd: dir });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json).toMatchObject({ id, storage: 'file', file });
    expect(await tenantRows(db, 2)).toBe(archived);
    expect([await tenantRows(db, 1), await tenantRows(db, 3)]).toEqual(othersNow);
  });

  it('a whole database: restore FILE --target a new database gives every table back', async () => {
    const { db, dir } = await fixture();
    const origin = await installation(dir, 'origin', pgSource(db));
    const { file } = await archiveFile(origin, dir, []);
    const target = uniqueName('obimpt');
    cleanups.push(() => dropDb(target));
    const restored = await runCli(['-c', origin, '--json', 'restore', file, '--target', pgSource(target).url as string, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await tableDigests(target)).toEqual(await tableDigests(db));
  });

  it('MySQL/MariaDB: imported and verified elsewhere; restore FILE gives back the archived rows', async () => {
    const db = await createMysqlDb('obimpmy');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlExec(db, `CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100)); INSERT INTO notes VALUES (1, 'one'), (2, ''), (3, NULL);`);
    const tmp = await tempDir('orgbackup-e2e-import-my-');
    cleanups.push(() => tmp.cleanup());
    const source = { type: 'mysql', url: mysqlUrl(db) };
    const origin = await installation(tmp.dir, 'origin', source);
    const here = await installation(tmp.dir, 'here', source);
    const { id, file } = await archiveFile(origin, tmp.dir, []);
    const imported = await runCli(['-c', here, '--json', 'import', file]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.json).toMatchObject({ id, levels: [1, 2], storages: [{ name: 'here', status: 'stored' }] });
    const rows = () => mysqlQuery(db, 'SELECT id, body FROM notes ORDER BY id');
    const archived = await rows();
    await mysqlExec(db, `UPDATE notes SET body = 'edited'; DELETE FROM notes WHERE id = 1;`);
    expect(await rows()).not.toEqual(archived);
    const restored = await runCli(['-c', here, '--json', 'restore', file, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json).toMatchObject({ id, storage: 'file' });
    expect(await rows()).toEqual(archived);
  });
});
