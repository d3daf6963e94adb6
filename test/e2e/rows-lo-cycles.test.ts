/**
 * Two PostgreSQL schema shapes a rows archive cannot round-trip as they are, through the built
 * binary: large object ids (`oid` / `lo` columns), whose objects a rows archive does not hold, are
 * refused before anything is written; a foreign-key cycle that is not DEFERRABLE makes a deleted
 * tenant impossible to load back, and preflight and the failed restore name its keys and the fix.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const TENANTS = { mode: 'rows', column: 'org_id', query: 'SELECT id FROM organizations' };

async function fixture(sql: string, tenants: Record<string, unknown> = TENANTS): Promise<{ db: string; config: string }> {
  const db = await createDb('rlocyc');
  cleanups.push(() => dropDb(db));
  await psql(db, { sql });
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  return { db, config: await configWith(tmp.dir, pgSource(db, tenants)) };
}

// `lo` is what the lo extension creates: a domain over oid.
const LARGE_OBJECTS = `
  CREATE DOMAIN lo AS oid;
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE docs (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, content lo);
  CREATE TABLE scans (id int PRIMARY KEY, doc_id int NOT NULL REFERENCES docs, image oid);
  CREATE TABLE notes (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, body text);
  INSERT INTO organizations VALUES (1), (2);
  INSERT INTO docs VALUES (1, 1, lo_from_bytea(0, 'one')), (2, 2, lo_from_bytea(0, 'two'));
  INSERT INTO scans VALUES (1, 2, lo_from_bytea(0, 'scan'));
  INSERT INTO notes VALUES (1, 2, 'n');`;

const CYCLE = `
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE projects (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, lead_task int);
  CREATE TABLE tasks (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, project_id int NOT NULL REFERENCES projects);
  ALTER TABLE projects ADD CONSTRAINT projects_lead_fk FOREIGN KEY (lead_task) REFERENCES tasks;
  INSERT INTO organizations VALUES (1), (2);
  INSERT INTO projects VALUES (1, 1, NULL), (2, 2, NULL);
  INSERT INTO tasks VALUES (1, 1, 1), (2, 2, 2), (3, 2, 2);
  UPDATE projects SET lead_task = id;`;

const DELETE_TENANT_2 = `UPDATE projects SET lead_task = NULL WHERE org_id = 2; DELETE FROM tasks WHERE org_id = 2; DELETE FROM projects WHERE org_id = 2;`;

describe('rows mode and large objects', () => {
  it('refuses the backup before writing anything, naming the columns and the fix; excluding the tables lets it run', async () => {
    const { db, config } = await fixture(LARGE_OBJECTS);
    const res = await runCli(['-c', config, 'create']);
    expect(res.exitCode, res.stderr).toBe(4);
    expect(res.stderr).toContain('rows mode cannot back up large objects: column(s) public.docs.content (lo), public.scans.image (oid) hold large object ids');
    expect(res.stderr).toContain('store that data as bytea, or use tenants.mode "schema" or "database" (pg_dump archives large objects)');
    const list = await runCli(['-c', config, '--json', 'list']);
    expect(list.json.archives).toEqual([]);

    const preflight = await runCli(['-c', config, '--json', 'preflight', '--for', 'create']);
    expect(preflight.exitCode).toBe(4);
    const checks = preflight.json.checks as { id: string; status: string; message: string }[];
    expect(checks.find((c) => c.id === 'source.app.rows-plan')).toMatchObject({ status: 'fail', message: expect.stringContaining('public.docs.content (lo)') });

    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const without = await configWith(tmp.dir, pgSource(db, { ...TENANTS, excludeTables: ['docs', 'scans'] }));
    expect(await createArchives(without)).toHaveLength(2);
  });
});

describe('rows mode and a foreign-key cycle that is not DEFERRABLE', () => {
  it('preflight (and create -v) warn with the fix; restoring a deleted tenant fails naming the keys and ALTER statements, which make it work', async () => {
    const { db, config } = await fixture(CYCLE);
    const preflight = await runCli(['-c', config, '--json', 'preflight', '--for', 'create']);
    const checks = preflight.json.checks as { id: string; status: string; message: string; hint?: string }[];
    expect(checks.find((c) => c.id === 'source.app.rows-cycles')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('projects_lead_fk (public.projects -> public.tasks), tasks_project_id_fkey (public.tasks -> public.projects) form a cycle and are not DEFERRABLE'),
      hint: 'ALTER TABLE "public"."projects" ALTER CONSTRAINT "projects_lead_fk" DEFERRABLE; ALTER TABLE "public"."tasks" ALTER CONSTRAINT "tasks_project_id_fkey" DEFERRABLE;',
    });

    // The same every run: create says it under -v only, so scheduled runs' logs stay quiet.
    const quiet = await runCli(['-c', config, 'create', '--tenant', '1']);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('rows-cycles');
    const verbose = await runCli(['-c', config, '-v', 'create', '--tenant', '1']);
    expect(verbose.stderr).toContain('preflight source.app.rows-cycles: foreign keys projects_lead_fk');

    const [id] = await createArchives(config, ['--tenant', '2']);
    const archived = await pgQuery<{ r: string }>(db, `SELECT p::text || '|' || t::text AS r FROM projects p JOIN tasks t USING (org_id) WHERE org_id = 2 ORDER BY 1`);
    // The restore test loads into an empty scratch database: it fails the same way, with the fix.
    const tested = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    const [item] = (tested.json as { archives: { status: string; failedLevel?: number; hint?: string }[] }).archives;
    expect(item).toMatchObject({ status: 'failed', failedLevel: 3, hint: expect.stringContaining('ALTER TABLE "public"."projects" ALTER CONSTRAINT "projects_lead_fk" DEFERRABLE;') });
    await psql(db, { sql: DELETE_TENANT_2 });
    const failed = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('the rows restore failed and was rolled back');
    expect(failed.stderr).toContain('projects_lead_fk (public.projects -> public.tasks), tasks_project_id_fkey (public.tasks -> public.projects) form a cycle and are not DEFERRABLE');
    expect(failed.stderr).toContain(
      'ALTER TABLE "public"."projects" ALTER CONSTRAINT "projects_lead_fk" DEFERRABLE; ALTER TABLE "public"."tasks" ALTER CONSTRAINT "tasks_project_id_fkey" DEFERRABLE;',
    );

    // The statements of the hint, as they are, are the fix.
    const hint = /ALTER TABLE .*DEFERRABLE;/.exec(failed.stderr)![0];
    await psql(db, { sql: hint });
    const restored = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    const retested = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(retested.exitCode, retested.stderr).toBe(0);
    expect(await pgQuery<{ r: string }>(db, `SELECT p::text || '|' || t::text AS r FROM projects p JOIN tasks t USING (org_id) WHERE org_id = 2 ORDER BY 1`)).toEqual(archived);
  });
});
