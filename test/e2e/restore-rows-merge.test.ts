/**
 * `restore --conflict merge` in rows mode, PostgreSQL and MariaDB, through the built binary: the
 * archived rows update the tenant's live rows with the same key, missing ones are inserted, live
 * rows absent from the archive are kept; the dry run counts updated / inserted / kept and changes
 * nothing; other tenants are untouched; a table without a primary key is refused by name (exit 2).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const SCHEMA = (serial: string, fk: (t: string) => string) => `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(40) NOT NULL);
  CREATE TABLE projects (id ${serial} PRIMARY KEY, org_id int NOT NULL ${fk('organizations')}, name varchar(40));
  CREATE TABLE tasks (id ${serial} PRIMARY KEY, project_id int NOT NULL ${fk('projects')}, title varchar(40));
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

async function mergeAndCheck(config: string, id: string, digest: () => Promise<unknown>, rows: () => Promise<unknown>, name: (t: string) => string) {
  const refused = await runCli(['-c', config, 'restore', id, '--conflict', 'merge', '--yes']);
  expect(refused.exitCode, refused.stderr).toBe(2);
  expect(refused.stderr).toContain('notes has none');

  const only = ['--only', ['organizations', 'projects', 'tasks'].map(name).join(',')];
  const before = await digest();
  const dry = await runCli(['-c', config, '--json', 'restore', id, '--conflict', 'merge', '--dry-run', ...only]);
  expect(dry.exitCode, dry.stderr).toBe(0);
  const counts = (dry.json.merge as { table: string }[]).filter((c) => c.table !== name('organizations'));
  expect(counts).toEqual(EXPECTED.map((e) => ({ ...e, table: name(e.table) })));
  expect(dry.json.plan).toContain(`merge ${name('projects')}: 1 updated, 0 inserted, 2 unchanged, 1 kept (not in the archive)`);
  expect(await digest()).toEqual(before);

  const res = await runCli(['-c', config, '--json', 'restore', id, '--conflict', 'merge', '--yes', ...only]);
  expect(res.exitCode, res.stderr).toBe(0);
  expect(res.json.merge).toEqual(dry.json.merge);
  expect(res.json.safetyBackup.id).toMatch(/^app\/2\//);
  expect(await rows()).toEqual([
    { id: 2, org_id: 2, name: 'b', tasks: 't2,t7' },
    { id: 4, org_id: 2, name: 'd', tasks: 't4,t8' },
    { id: 6, org_id: 2, name: 'f', tasks: 't6' },
    { id: 100, org_id: 2, name: 'added later', tasks: '' },
  ]);
}

describe('restore --conflict merge', () => {
  it('PostgreSQL: updates and inserts archived rows, keeps live rows not in the archive', async () => {
    const db = await createDb('rtmerge');
    cleanups.push(() => dropDb(db));
    await psql(db, { sql: SCHEMA('serial', (t) => `REFERENCES ${t}`) });
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }));
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const others = () => pgQuery(db, `SELECT p.*, t.title FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE p.org_id <> 2 ORDER BY p.id, t.id`);
    const othersBefore = await others();
    await psql(db, { sql: EDITS.join(';') });
    const rows = () =>
      pgQuery(
        db,
        `SELECT p.id, p.org_id, p.name, coalesce(string_agg(t.title, ',' ORDER BY t.id), '') AS tasks FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE p.org_id = 2 GROUP BY p.id ORDER BY p.id`,
      );
    await mergeAndCheck(
      config,
      id!,
      () => tableDigests(db),
      rows,
      (t) => `public.${t}`,
    );
    expect(await others()).toEqual(othersBefore);
  });

  it('MariaDB: updates and inserts archived rows, keeps live rows not in the archive', async () => {
    const db = await createMysqlDb('ob_merge');
    cleanups.push(() => dropMysqlDb(db));
    await mysqlExec(
      db,
      SCHEMA('int AUTO_INCREMENT', (t) => `REFERENCES ${t} (id)`),
    );
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } });
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const others = () => mysqlQuery(db, `SELECT p.*, t.title FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE p.org_id <> 2 ORDER BY p.id, t.id`);
    const othersBefore = await others();
    await mysqlExec(db, EDITS.join(';'));
    const rows = async () =>
      (
        await mysqlQuery(
          db,
          `SELECT p.id, p.org_id, p.name, COALESCE(GROUP_CONCAT(t.title ORDER BY t.id SEPARATOR ','), '') AS tasks FROM projects p LEFT JOIN tasks t ON t.project_id = p.id WHERE p.org_id = 2 GROUP BY p.id ORDER BY p.id`,
        )
      ).map((r) => ({ ...r }));
    await mergeAndCheck(
      config,
      id!,
      () => mysqlDigests(db),
      rows,
      (t) => t,
    );
    expect(await others()).toEqual(othersBefore);
  });
});
