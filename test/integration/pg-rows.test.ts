/**
 * Rows mode on the bench fixture (20 orgs, scale 1) plus a two-level child table and a shared
 * lookup table, through the built binary: archives per tenant, restore into an empty copy of the
 * schema, restore over changed rows, other tenants untouched, conflicts, --only, atomic failure.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDb, pgQuery, pgUrl, tableDigests } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';
import { archivesOf, backupOne, cli, type RowsSidecar, queryDigests, rowsConfig, saasTenantQueries, schemaOnlyCopy, seedSaas } from '../helpers/tenants.js';

let db: string;
let dir: { dir: string; cleanup(): Promise<void> };
let config: string;
const dropLater: string[] = [];

beforeAll(async () => {
  db = await seedSaas(20);
  dir = await tempDir();
  config = await rowsConfig(dir.dir, db);
});

afterAll(async () => {
  for (const name of [db, ...dropLater]) await dropDb(name);
  await dir.cleanup();
});

const restore = (id: string, ...args: string[]) => cli(config, 'restore', id, '--yes', '--no-safety-backup', ...args);
const restoreOk = async (id: string, ...args: string[]) => {
  const result = await restore(id, ...args);
  expect(result.exitCode, result.stderr).toBe(0);
  return result;
};

describe('rows mode backup', () => {
  it('writes one archive per tenant with exact per-table row counts, checksums and the plan', async () => {
    const result = await cli(config, 'create', '--jobs', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(archivesOf(result)).toHaveLength(20);
    const sidecar = JSON.parse(await readSidecarFile(archivesOf(result).find((a) => a.tenant === '7')!.id)) as RowsSidecar;
    const expected = await queryDigests(db, saasTenantQueries(7));
    for (const [table, digest] of Object.entries(expected)) {
      const info = sidecar.tables.find((t) => t.name === `public.${table}`)!;
      expect(info, table).toBeDefined();
      expect(`${info.rows}`).toBe(digest.split(':')[0]);
      expect(info.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(sidecar.details.shared).toEqual(['public.countries']);
    expect(sidecar.details.loadOrder[0]).toBe('public.organizations');
    expect(sidecar.details.loadOrder.indexOf('public.issue_comments')).toBeGreaterThan(sidecar.details.loadOrder.indexOf('public.issues'));
    expect(sidecar.schemaFingerprint.sha256).toMatch(/^[0-9a-f]{64}$/);
    const ndjson = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event?: string; status?: string });
    expect(ndjson.filter((e) => e.event === 'archive' && e.status === 'ok')).toHaveLength(20);
  });

  it('reads all tenants in one pass with the same rows and checksums as one tenant read alone', async () => {
    const batchDir = await tempDir();
    const aloneDir = await tempDir();
    try {
      const batchConfig = await rowsConfig(batchDir.dir, db);
      const aloneConfig = await rowsConfig(aloneDir.dir, db);
      const batch = await cli(batchConfig, '--verbose', 'create', '--jobs', '2', '--tenant', '4', '--tenant', '7', '--tenant', '15');
      expect(batch.exitCode, batch.stderr).toBe(0);
      expect(batch.stderr).toMatch(/3 tenants read in one pass/);
      const alone = await cli(aloneConfig, '--verbose', 'create', '--tenant', '7');
      expect(alone.exitCode, alone.stderr).toBe(0);
      expect(alone.stderr).not.toMatch(/in one pass/);
      const sidecarOf = async (base: string, result: typeof batch) => {
        const id = archivesOf(result).find((a) => a.tenant === '7')!.id;
        return JSON.parse(await readFile(`${base}/backups/${id}.manifest.json`, 'utf8')) as RowsSidecar & { details: { snapshotAt?: string } };
      };
      const [fromBatch, fromAlone] = [await sidecarOf(batchDir.dir, batch), await sidecarOf(aloneDir.dir, alone)];
      expect(fromBatch.tables).toEqual(fromAlone.tables);
      expect(fromBatch.tables.reduce((n, t) => n + t.rows, 0)).toBeGreaterThan(100);
      expect(fromBatch.details.snapshotAt).toMatch(/^\d{4}-/);
      expect(fromAlone.details.snapshotAt).toBeUndefined();
      // The one-pass archive restores like any other: exactly tenant 7's rows in an empty copy.
      const copy = await schemaOnlyCopy(db);
      dropLater.push(copy);
      await pgQuery(copy, `INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France')`);
      const restored = await cli(batchConfig, 'restore', archivesOf(batch).find((a) => a.tenant === '7')!.id, '--yes', '--no-safety-backup', '--target', pgUrl(copy));
      expect(restored.exitCode, restored.stderr).toBe(0);
      const whole = Object.fromEntries(Object.keys(saasTenantQueries(7)).map((t) => [t, `SELECT * FROM ${t}`]));
      expect(await queryDigests(copy, whole)).toEqual(await queryDigests(db, saasTenantQueries(7)));
    } finally {
      await batchDir.cleanup();
      await aloneDir.cleanup();
    }
  });

  it('falls back to one query per tenant when the one-pass read fails; the bad tenant fails alone (exit 3)', async () => {
    const badDir = await tempDir();
    try {
      // 'not-a-number' cannot be compared with the bigint org_id: the shared read fails on it.
      const badConfig = await rowsConfig(badDir.dir, db, { query: `SELECT id::text AS id FROM organizations WHERE id <= 3 UNION ALL SELECT 'not-a-number'` });
      const result = await cli(badConfig, 'create', '--jobs', '2');
      expect(result.exitCode, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/reading all tenants' rows in one pass failed .*reading each tenant on its own/);
      const byTenant = Object.fromEntries(archivesOf(result).map((a) => [a.tenant, a]));
      expect(byTenant['not-a-number']!.status).toBe('failed');
      expect(byTenant['not-a-number']!.error).toMatch(/bigint/);
      for (const id of ['1', '2', '3']) expect(byTenant[id]!.status, id).toBe('ok');
    } finally {
      await badDir.cleanup();
    }
  });

  it('a config no plan can be made from stops create at preflight with its hint, without a misleading fallback', async () => {
    const badDir = await tempDir();
    try {
      const badConfig = await rowsConfig(badDir.dir, db, { schemas: ['no_such_schema'] });
      const result = await cli(badConfig, 'create', '--jobs', '2');
      // The plan is the same for every tenant: preflight (source.<name>.rows-plan) refuses the run
      // before anything is written rather than failing each tenant alike.
      expect(result.exitCode).toBe(4);
      expect(result.stderr).not.toMatch(/reading each tenant on its own/);
      expect(result.stderr).toContain('rows-plan: no table in schema(s) no_such_schema has the tenant column \\"org_id\\"');
      expect(result.stderr).toMatch(/tenants\.column and tenants\.schemas/);
    } finally {
      await badDir.cleanup();
    }
  });

  it('backs up a tenant the query returns twice only once, and says so', async () => {
    const dupDir = await tempDir();
    try {
      const dupConfig = await rowsConfig(dupDir.dir, db, { query: 'SELECT id FROM organizations WHERE id <= 2 UNION ALL SELECT 2' });
      const result = await cli(dupConfig, 'create', '--jobs', '2');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(
        archivesOf(result)
          .map((a) => a.tenant)
          .sort(),
      ).toEqual(['1', '2']);
      const warnings = result.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { level?: string; msg?: string })
        .filter((e) => e.level === 'warn');
      expect(warnings.map((w) => w.msg)).toContain('app: the tenants query returned "2" more than once; each tenant is backed up once');
    } finally {
      await dupDir.cleanup();
    }
  });

  it('verify reads every rows entry back and matches the recorded counts', async () => {
    const result = await cli(config, 'verify', '--latest', '--source', 'app', '--tenant', '7');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json.archives?.[0]?.status ?? result.json.items?.[0]?.status).toBe('ok');
  });
});

async function readSidecarFile(id: string): Promise<string> {
  return readFile(`${dir.dir}/backups/${id}.manifest.json`, 'utf8');
}

describe('rows mode restore', () => {
  it("into an empty copy of the schema yields exactly that tenant's rows", async () => {
    const { id } = await backupOne(config, '3');
    const copy = await schemaOnlyCopy(db);
    dropLater.push(copy);
    // Shared tables are not in the archive: the target has its own lookup rows.
    await pgQuery(copy, `INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France')`);
    const result = await restore(id, '--target', pgUrl(copy));
    expect(result.exitCode, result.stderr).toBe(0);
    const tables = Object.keys(saasTenantQueries(3));
    const whole = Object.fromEntries(tables.map((t) => [t, `SELECT * FROM ${t}`]));
    expect(await queryDigests(copy, whole)).toEqual(await queryDigests(db, saasTenantQueries(3)));
  });

  it('gives back exactly the archived rows after deletes, edits and inserts, and leaves other tenants alone', async () => {
    const { id } = await backupOne(config, '5');
    const before = await tableDigests(db);
    await pgQuery(db, `DELETE FROM comment_reactions WHERE comment_id IN (SELECT c.id FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = 5)`);
    await pgQuery(db, `DELETE FROM notifications WHERE org_id = 5 AND id % 2 = 0`);
    await pgQuery(db, `UPDATE users SET email = 'changed@example.org' WHERE org_id = 5`);
    await pgQuery(db, `UPDATE issue_comments SET body = 'edited' WHERE issue_id IN (SELECT id FROM issues WHERE org_id = 5)`);
    await pgQuery(db, `INSERT INTO departments (org_id, name) VALUES (5, 'added after the backup')`);
    await pgQuery(db, `INSERT INTO issue_comments (issue_id, body) SELECT id, 'added' FROM issues WHERE org_id = 5 LIMIT 3`);
    expect(await tableDigests(db)).not.toEqual(before);
    const result = await restore(id);
    expect(result.exitCode, result.stderr).toBe(0);
    // Every table equal to before: tenant 5 is exactly its archive, every other tenant untouched.
    expect(await tableDigests(db)).toEqual(before);
  });

  it('moves sequences past the restored ids', async () => {
    const { id } = await backupOne(config, '6');
    await pgQuery(db, `SELECT setval('departments_id_seq', 1)`);
    await restoreOk(id);
    const [row] = await pgQuery<{ next: string; max: string }>(db, `SELECT nextval('departments_id_seq') AS next, (SELECT max(id) FROM departments) AS max`);
    expect(Number(row!.next)).toBeGreaterThan(Number(row!.max));
  });

  it('leaves the database exactly as before when the archived rows violate a constraint midway', async () => {
    const { id } = await backupOne(config, '8');
    await pgQuery(db, `UPDATE users SET email = 'edited-before-restore' WHERE org_id = 8`);
    await pgQuery(db, `DELETE FROM notifications WHERE org_id = 8`);
    // notifications load after users: the users rows are already rewritten when this fails.
    await pgQuery(db, `ALTER TABLE notifications ADD CONSTRAINT only_unread CHECK (NOT read) NOT VALID`);
    try {
      const before = await tableDigests(db);
      const result = await restore(id);
      expect(result.exitCode).toBe(1);
      expect(result.json?.error?.message ?? result.stderr).toMatch(/rolled back/);
      expect(await tableDigests(db)).toEqual(before);
    } finally {
      await pgQuery(db, `ALTER TABLE notifications DROP CONSTRAINT only_unread`);
    }
    await restoreOk(id);
  });
});

describe('rows mode conflicts and subsets', () => {
  it('--conflict skip keeps existing rows and adds the missing ones', async () => {
    const { id } = await backupOne(config, '9');
    const archived = await queryDigests(db, saasTenantQueries(9));
    await pgQuery(db, `DELETE FROM notifications WHERE org_id = 9`);
    await pgQuery(db, `UPDATE departments SET name = 'kept' WHERE org_id = 9`);
    expect((await restore(id, '--conflict', 'skip')).exitCode).toBe(0);
    const after = await queryDigests(db, saasTenantQueries(9));
    expect(after.notifications).toBe(archived.notifications);
    expect(after.departments).not.toBe(archived.departments);
    const [kept] = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM departments WHERE org_id = 9 AND name = 'kept'`);
    expect(Number(kept!.n)).toBe(5);
    await restoreOk(id);
  });

  it('--conflict fail stops when the tenant has rows, and loads into an empty target', async () => {
    const { id } = await backupOne(config, '10');
    const before = await tableDigests(db);
    const refused = await restore(id, '--conflict', 'fail');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/already has rows/);
    expect(await tableDigests(db)).toEqual(before);
    const copy = await schemaOnlyCopy(db);
    dropLater.push(copy);
    await pgQuery(copy, `INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France')`);
    expect((await restore(id, '--conflict', 'fail', '--target', pgUrl(copy))).exitCode).toBe(0);
  });

  it('--only refuses a subset that would break a foreign key, and restores a closed one', async () => {
    const { id } = await backupOne(config, '11');
    const refused = await restore(id, '--only', 'issue_comments');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/public\.issues/);
    const archived = await queryDigests(db, saasTenantQueries(11));
    await pgQuery(db, `UPDATE departments SET name = 'x' WHERE org_id = 11`);
    await pgQuery(db, `UPDATE notifications SET read = NOT read WHERE org_id = 11`);
    const result = await restore(id, '--only', 'organizations,departments');
    expect(result.exitCode, result.stderr).toBe(0);
    const after = await queryDigests(db, saasTenantQueries(11));
    expect(after.departments).toBe(archived.departments);
    expect(after.notifications).not.toBe(archived.notifications);
    await restoreOk(id);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const { id } = await backupOne(config, '12');
    await pgQuery(db, `DELETE FROM notifications WHERE org_id = 12`);
    const before = await tableDigests(db);
    const result = await cli(config, 'restore', id, '--dry-run', '--no-safety-backup');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.stringify(result.json.plan)).toMatch(/public\.notifications: 0 current row\(s\) of the tenant, \d+ archived/);
    expect(await tableDigests(db)).toEqual(before);
    await restoreOk(id);
  });
});
