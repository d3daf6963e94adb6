/**
 * `restore --as` on MariaDB through the built binary: tenant 2 cloned as tenant 99 in the same
 * database and into another one. AUTO_INCREMENT keys are drawn anew, the tenant column rewritten,
 * a self-reference, a composite foreign key (including the tenant column) and a child without the
 * tenant column remapped; a reference to another tenant's project keeps its key. The clone equals
 * the source modulo keys (references followed within the clone's tenant only), every other row is
 * unchanged, and a table whose key has no AUTO_INCREMENT is refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { configWith, createArchives } from '../helpers/restore.js';
import { cli } from '../helpers/tenants.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const DDL = `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(40) NOT NULL UNIQUE);
  CREATE TABLE departments (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, parent_id int NULL, name varchar(40),
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (parent_id) REFERENCES departments (id));
  CREATE TABLE projects (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, department_id int NULL, partner_id int NULL, name varchar(40),
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (department_id) REFERENCES departments (id), FOREIGN KEY (partner_id) REFERENCES projects (id));
  CREATE TABLE project_tags (org_id int NOT NULL, project_id int NOT NULL, tag varchar(20) NOT NULL, PRIMARY KEY (org_id, project_id, tag),
    FOREIGN KEY (org_id) REFERENCES organizations (id), FOREIGN KEY (project_id) REFERENCES projects (id));
  CREATE TABLE tag_votes (id int AUTO_INCREMENT PRIMARY KEY, org_id int NOT NULL, project_id int NOT NULL, tag varchar(20) NOT NULL,
    FOREIGN KEY (org_id, project_id, tag) REFERENCES project_tags (org_id, project_id, tag));
  CREATE TABLE tasks (id int AUTO_INCREMENT PRIMARY KEY, project_id int NOT NULL, title varchar(40), FOREIGN KEY (project_id) REFERENCES projects (id));
  CREATE TABLE licenses (id int PRIMARY KEY, org_id int NOT NULL, seat varchar(20), FOREIGN KEY (org_id) REFERENCES organizations (id));`;

const DATA = `INSERT INTO organizations VALUES (1, 'one'), (2, 'two'), (3, 'three');
  INSERT INTO departments (org_id, parent_id, name) VALUES (1, NULL, 'd1'), (2, NULL, 'd2'), (2, 2, 'd3'), (3, NULL, 'd4');
  INSERT INTO projects (org_id, department_id, partner_id, name) VALUES (1, 1, NULL, 'p1'), (2, 3, NULL, 'p2'), (3, 4, NULL, 'p3'), (2, 2, 3, 'p4'), (2, 3, 2, 'p5');
  INSERT INTO project_tags VALUES (2, 2, 'a'), (2, 4, 'b'), (1, 1, 'a'), (2, 5, 'a');
  INSERT INTO tag_votes (org_id, project_id, tag) VALUES (2, 2, 'a'), (2, 4, 'b'), (1, 1, 'a'), (2, 2, 'a');
  INSERT INTO tasks (project_id, title) VALUES (2, 't2'), (4, 't4'), (1, 't1'), (5, 't5');
  INSERT INTO licenses VALUES (10, 1, 'x'), (20, 2, 'y');`;

const ONLY = ['--only', 'organizations,departments,projects,project_tags,tag_votes,tasks'];

/** One org's rows without their keys, references followed within the org (a reference left at tenant 2 reads as NULL). */
async function withoutKeys(db: string, org: number): Promise<Record<string, unknown[]>> {
  const queries: Record<string, string> = {
    organizations: `SELECT slug FROM organizations WHERE id = ${org}`,
    departments: `SELECT d.name, p.name AS parent FROM departments d LEFT JOIN departments p ON p.id = d.parent_id AND p.org_id = d.org_id WHERE d.org_id = ${org}`,
    projects: `SELECT p.name, d.name AS dept, CASE WHEN x.org_id = p.org_id THEN CONCAT('inside ', x.name) WHEN x.id IS NOT NULL THEN CONCAT('outside ', x.id, ' of ', x.org_id) END AS partner
                 FROM projects p LEFT JOIN departments d ON d.id = p.department_id AND d.org_id = p.org_id LEFT JOIN projects x ON x.id = p.partner_id WHERE p.org_id = ${org}`,
    project_tags: `SELECT p.name, t.tag FROM project_tags t LEFT JOIN projects p ON p.id = t.project_id AND p.org_id = t.org_id WHERE t.org_id = ${org}`,
    tag_votes: `SELECT p.name, v.tag, t.tag AS tagged FROM tag_votes v LEFT JOIN projects p ON p.id = v.project_id AND p.org_id = v.org_id
                  LEFT JOIN project_tags t ON t.org_id = v.org_id AND t.project_id = v.project_id AND t.tag = v.tag WHERE v.org_id = ${org}`,
    tasks: `SELECT t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.org_id = ${org}`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, sql] of Object.entries(queries)) {
    const rows = (await mysqlQuery(db, sql)).map((r) => ({ ...r }));
    out[table] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

const DROP_CLONE = `DELETE t FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.org_id = 99; DELETE FROM tag_votes WHERE org_id = 99;
  DELETE FROM project_tags WHERE org_id = 99; UPDATE projects SET partner_id = NULL WHERE org_id = 99; DELETE FROM projects WHERE org_id = 99;
  UPDATE departments SET parent_id = NULL WHERE org_id = 99; DELETE FROM departments WHERE org_id = 99; DELETE FROM organizations WHERE id = 99;`;

let db: string;
let config: string;
let archive: string;
let source: Record<string, unknown[]>;

beforeAll(async () => {
  db = await createMysqlDb('ob_as');
  cleanups.push(() => dropMysqlDb(db));
  await mysqlExec(db, DDL + DATA);
  const tmp = await tempDir('orgbackup-as-mysql-');
  cleanups.push(() => tmp.cleanup());
  config = await configWith(tmp.dir, { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } });
  [archive] = (await createArchives(config, ['--source', 'app', '--tenant', '2'])) as [string];
  source = await withoutKeys(db, 2);
});

describe('restore --as on MariaDB', () => {
  it('refuses a table whose key has no AUTO_INCREMENT, by name', async () => {
    const refused = await cli(config, 'restore', archive, '--as', '99', '--yes');
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.json.error.message).toContain('--as cannot give new keys to');
    expect(refused.json.error.message).toContain('licenses (primary key id)');
  });

  it('clones tenant 2 as tenant 99 in the same database; everything else stays as it was', async () => {
    const before = await mysqlDigests(db);
    const dry = await cli(config, 'restore', archive, '--as', '99', '--dry-run', ...ONLY);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.plan.join('\n')).toContain('departments: 2 row(s) inserted as tenant 99; org_id set to 99; new id from AUTO_INCREMENT; references remapped through');
    const clash = await cli(config, 'restore', archive, '--as', '99', '--yes', ...ONLY);
    expect(clash.exitCode, clash.stderr).toBe(1);
    expect(clash.json.error.hint).toContain("Create the new tenant's root row first");
    expect(await mysqlDigests(db)).toEqual(before);

    await mysqlExec(db, `INSERT INTO organizations VALUES (99, 'sandbox')`);
    const done = await cli(config, 'restore', archive, '--as', '99', '--yes', ...ONLY);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.as).toBe('99');
    expect(done.json.tables.find((t: { name: string }) => t.name === 'projects')).toEqual({ name: 'projects', rows: 3 });
    expect({ ...(await withoutKeys(db, 99)), organizations: [] }).toEqual({ ...source, organizations: [] });
    expect(source.projects).toContainEqual({ name: 'p4', dept: 'd2', partner: 'outside 3 of 3' });
    const ids = await mysqlQuery(db, 'SELECT id FROM projects WHERE org_id = 99 ORDER BY id');
    expect(ids.map((r) => r.id)).toEqual([6, 7, 8]);

    const again = await cli(config, 'restore', archive, '--as', '99', '--yes', ...ONLY);
    expect(again.exitCode).toBe(1);
    expect(again.json.error.message).toContain('tenant 99 already has rows in departments (2)');
    await mysqlExec(db, DROP_CLONE);
    expect(await mysqlDigests(db)).toEqual(before);
  });

  it('clones tenant 2 as tenant 99 into another database, with the outside rows it references', async () => {
    const other = await createMysqlDb('ob_as_other');
    cleanups.push(() => dropMysqlDb(other));
    await mysqlExec(other, DDL);
    const res = await cli(config, 'restore', archive, '--as', '99', '--target', mysqlUrl(other), '--yes', ...ONLY);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await withoutKeys(other, 99)).toEqual(source);
    expect((await mysqlQuery(other, 'SELECT DISTINCT org_id FROM projects ORDER BY 1')).map((r) => r.org_id)).toEqual([3, 99]);
  });
});
