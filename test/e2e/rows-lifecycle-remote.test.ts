/**
 * The rows-mode lifecycle commands read and write their archives on remote storage as they do on
 * a local one: on an S3 server (s3rver) and an rclone remote, each the config's only storage,
 * through the built binary, `restore --conflict merge` and categories (create --category, list
 * --long, restore --only) on PostgreSQL and MariaDB, and `diff` (two archives, and --live) and
 * `restore --as` on MariaDB (PostgreSQL's are in lifecycle-remote-storage). The scenarios and their
 * assertions are the local suites' own (restore-rows-merge, rows-categories, diff-rows,
 * restore-rows-as-mysql), run here with another storage.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mysqlDigests, mysqlExec, mysqlQuery } from '../helpers/mysql.js';
import { DATA, DDL, ONLY, withoutKeys } from '../helpers/mysql-as-fixture.js';
import { createArchives } from '../helpers/restore.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { diffFixture, expectArchivesDiff, expectLiveDiff, type DiffFixture } from '../helpers/rows-diff.js';
import { mysqlEngine, ORG_TENANTS, postgresEngine } from '../helpers/rows-engines.js';
import { categoriesScenario, mergeScenario } from '../helpers/rows-scenarios.js';
import { remoteStoragesForFile } from '../helpers/storages-under-test.js';
import { cli } from '../helpers/tenants.js';

const later = cleanupsAfterAll();
const remote = remoteStoragesForFile(later);
const storages = [remote.s3, remote.rclone];
const engines = [postgresEngine, mysqlEngine];

describe.each(storages)('rows lifecycle on $name storage', (storage) => {
  it.each(engines)('$name: restore --conflict merge updates and inserts archived rows, keeps live rows not in the archive', (engine) => mergeScenario(engine, storage, later));

  it.each(engines)('$name: create --category, manifest and list --long, restore --only <category>, refusals', (engine) => categoriesScenario(engine, storage, later));

  describe('MariaDB diff', () => {
    let fixture: DiffFixture;
    beforeAll(async () => {
      fixture = await diffFixture(mysqlEngine, storage, later);
    });

    it('counts rows added, removed and changed between two archives, by primary key and as whole rows', async () => {
      const t = await expectArchivesDiff(fixture);
      expect(t.logs).toMatchObject({ keyed: false, added: 1, removed: 1, changed: 0, unchanged: 2 });
    });

    it('compares the newest archive with the live rows', async () => {
      await expectLiveDiff(fixture);
    });
  });

  it('MariaDB: restore --as clones tenant 2 as tenant 99, rows equal modulo keys, nothing else changed', async () => {
    const db = await mysqlEngine.create(later, 'as', DDL + DATA);
    const name = (await db.query('SELECT DATABASE() AS db'))[0]!.db as string;
    const config = await storage.config(await workDir(later), db.source(ORG_TENANTS));
    const [archive] = (await createArchives(config, ['--source', 'app', '--tenant', '2'])) as [string];
    const source = await withoutKeys(name, 2);
    const refused = await cli(config, 'restore', archive, '--as', '99', '--yes');
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.json.error.message).toContain('licenses (primary key id)');

    await mysqlExec(name, `INSERT INTO organizations VALUES (99, 'sandbox')`);
    const before = await mysqlDigests(name);
    const dry = await cli(config, 'restore', archive, '--as', '99', '--dry-run', ...ONLY);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.plan.join('\n')).toContain('departments: 2 row(s) inserted as tenant 99; org_id set to 99; new id from AUTO_INCREMENT');
    expect(await mysqlDigests(name)).toEqual(before);

    const done = await cli(config, 'restore', archive, '--as', '99', '--yes', ...ONLY);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.as).toBe('99');
    expect({ ...(await withoutKeys(name, 99)), organizations: [] }).toEqual({ ...source, organizations: [] });
    expect(await withoutKeys(name, 2)).toEqual(source);
    const reused = await mysqlQuery(name, 'SELECT count(*) AS n FROM projects a JOIN projects b ON b.id = a.id WHERE a.org_id = 99 AND b.org_id = 2');
    expect(Number(reused[0]!.n)).toBe(0);
  });
});
