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
import { DATA, DDL, DROP_CLONE, ONLY, withoutKeys } from '../helpers/mysql-as-fixture.js';
import { configWith, createArchives } from '../helpers/restore.js';
import { cli } from '../helpers/tenants.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

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
