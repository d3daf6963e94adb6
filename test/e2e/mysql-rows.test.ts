/**
 * MySQL rows mode through the built binary on the multi-tenant fixture: every tenant's archive
 * together holds every tenant-owned row exactly once; a tenant restored in place (replace, skip)
 * makes the whole database identical to before while other tenants are never touched; --conflict
 * fail refuses; a restore whose rows cannot fit the target rolls back completely.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlLoadFile, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import type { Sidecar } from '../../src/archive/manifest.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/mysql-saas.sql');
const TENANT_TABLES = { organizations: 20, departments: 100, users: 500, assets: 2000, issues: 8000, issue_comments: 4000, notifications: 4000 };

let work: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-rows-');
});
afterEach(async () => {
  for (const db of databases.splice(0)) await dropMysqlDb(db);
  await work.cleanup();
});

async function fixtureDb(): Promise<string> {
  const db = await createMysqlDb('ob_rows');
  databases.push(db);
  await mysqlLoadFile(db, FIXTURE);
  return db;
}

async function rowsConfig(db: string): Promise<string> {
  return writeConfig(work.dir, {
    version: 1,
    sources: { app: { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name, plan FROM organizations ORDER BY id' } } },
    storage: { local: { type: 'local', path: './backups' } },
  });
}

async function cli(config: string, ...args: string[]) {
  return runCli(['-c', config, '--json', ...args]);
}

async function sidecarOf(id: string): Promise<Sidecar> {
  return JSON.parse(await readFile(path.join(work.dir, 'backups', `${id}.manifest.json`), 'utf8')) as Sidecar;
}

async function breakTenant(db: string, org: number): Promise<void> {
  await mysqlQuery(db, 'DELETE c FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ? AND c.id % 3 = 0', [org]);
  await mysqlQuery(db, "UPDATE users SET email = 'changed@example.org' WHERE org_id = ?", [org]);
  await mysqlQuery(db, 'DELETE FROM notifications WHERE org_id = ? AND id % 2 = 0', [org]);
}

describe('mysql: rows mode', () => {
  it('archives each tenant once with exact counts, and restores one tenant in place without touching the others', async () => {
    const db = await fixtureDb();
    const before = await mysqlDigests(db);
    const config = await rowsConfig(db);
    const created = await cli(config, 'create', '--jobs', '2');
    expect(created.exitCode, created.stderr).toBe(0);
    const archives = created.json.archives as { tenant: string; tenantName: string; id: string }[];
    expect(archives).toHaveLength(20);
    expect(archives.find((a) => a.tenant === '3')?.tenantName).toBe('org-3');

    const totals: Record<string, number> = {};
    for (const a of archives) for (const t of (await sidecarOf(a.id)).tables) totals[t.name] = (totals[t.name] ?? 0) + t.rows;
    expect(totals).toEqual(TENANT_TABLES);
    const three = await sidecarOf(archives.find((a) => a.tenant === '3')!.id);
    expect(three.details?.shared).toEqual([`${db}.countries`]);
    // A tenant's small slices are stored plain or gzipped in-process, not through a zstd process each.
    expect(three.entries.map((e) => e.name)).toContainEqual(expect.stringMatching(/^rows\/issue_comments\.sql(\.gz)?$/));

    const verified = await cli(config, 'verify', '--all');
    expect(verified.exitCode, verified.stderr).toBe(0);

    await breakTenant(db, 3);
    await mysqlQuery(db, "UPDATE organizations SET name = 'other tenant edited' WHERE id = 4");
    const restored = await cli(config, 'restore', three.id, '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json.safetyBackup.id).toMatch(/^app\/3\//);
    await mysqlQuery(db, "UPDATE organizations SET name = 'Organization 4' WHERE id = 4");
    expect(await mysqlDigests(db)).toEqual(before);
  });

  it('skip adds only the missing rows; fail refuses while the tenant has rows; a restore that cannot fit rolls back', async () => {
    const db = await fixtureDb();
    const before = await mysqlDigests(db);
    const config = await rowsConfig(db);
    const created = await cli(config, 'create', '--source', 'app', '--tenant', '7');
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives[0] as { id: string }).id;

    await mysqlQuery(db, 'DELETE FROM notifications WHERE org_id = 7 AND id % 2 = 0');
    const refused = await cli(config, 'restore', id, '--conflict', 'fail', '--yes', '--no-safety-backup');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/already has rows/);

    const skipped = await cli(config, 'restore', id, '--conflict', 'skip', '--yes', '--no-safety-backup');
    expect(skipped.exitCode, skipped.stderr).toBe(0);
    expect(await mysqlDigests(db)).toEqual(before);

    // A copy of the schema whose shared countries table is empty: the archive's copy of the
    // country the organization references (an outside reference) is added, as for any target.
    const copy = await createMysqlDb('ob_rows_copy');
    databases.push(copy);
    await mysqlLoadFile(copy, FIXTURE);
    for (const sql of ['DELETE FROM issue_comments WHERE issue_id IN (SELECT id FROM issues WHERE org_id = 7)', 'DELETE FROM notifications WHERE org_id = 7']) await mysqlQuery(copy, sql);
    await mysqlQuery(copy, 'UPDATE organizations SET country = NULL');
    await mysqlQuery(copy, 'DELETE FROM countries');
    const into = await cli(config, 'restore', id, '--target', mysqlUrl(copy), '--yes');
    expect(into.exitCode, into.stderr).toBe(0);
    expect(await mysqlQuery(copy, 'SELECT c.code FROM organizations o JOIN countries c ON c.code = o.country WHERE o.id = 7')).toHaveLength(1);

    // One of the tenant's archived issues is now another tenant's row in the copy: the archive
    // cannot fit, and the whole restore rolls back.
    await mysqlQuery(copy, 'UPDATE issues SET org_id = (SELECT MIN(id) FROM organizations WHERE id <> 7) WHERE org_id = 7 ORDER BY id LIMIT 1');
    await mysqlQuery(copy, 'DELETE FROM notifications WHERE org_id = 7');
    const copyBefore = await mysqlDigests(copy);
    const failed = await cli(config, 'restore', id, '--target', mysqlUrl(copy), '--yes');
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/rolled back.*primary keys now held by rows of another tenant/s);
    expect(await mysqlDigests(copy)).toEqual(copyBefore);
  });

  it('--dry-run shows the plan and changes nothing; --only restores a subset that keeps its foreign keys, and refuses one that does not', async () => {
    const db = await fixtureDb();
    const before = await mysqlDigests(db);
    const config = await rowsConfig(db);
    const created = await cli(config, 'create', '--source', 'app', '--tenant', '11');
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives[0] as { id: string }).id;

    await mysqlQuery(db, "UPDATE departments SET name = 'renamed' WHERE org_id = 11");
    const dry = await cli(config, 'restore', id, '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.plan).toContain('departments: 5 current row(s) of the tenant, 5 archived');
    // The table of changes carries the same counts (it showed '-' for rows mode).
    expect(dry.json.changes).toContainEqual({ table: 'departments', current: 5, restored: 5 });
    expect(dry.json.plan.join('\n')).toMatch(/shared tables \(not touched\): countries/);

    const refused = await cli(config, 'restore', id, '--only', 'issues', '--yes', '--no-safety-backup');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/--only would break foreign keys/);

    const subset = await cli(config, 'restore', id, '--only', 'organizations,departments', '--yes', '--no-safety-backup');
    expect(subset.exitCode, subset.stderr).toBe(0);
    expect((subset.json.tables as { name: string }[]).map((t) => t.name)).toEqual(['organizations', 'departments']);
    expect(await mysqlDigests(db)).toEqual(before);
  });
});
