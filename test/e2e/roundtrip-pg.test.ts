/**
 * The foundation's promise on real data: create -> list -> drop the database -> restore gives
 * identical data (per-table digests) on schemas nobody here wrote (Pagila: enums, domains,
 * triggers, partitions) and on the multi-tenant bench fixture; verify catches damage; restore
 * refuses a damaged archive without touching the target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createDb, createPasswordRole, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { seedSaasInto } from '../helpers/tenants.js';
import { DATASETS_SKIP_REASON, dataset, hasDatasets } from '../helpers/datasets.js';

interface Setup {
  db: string;
  dir: string;
  config: string;
  cleanup(): Promise<void>;
}

async function setup(load: (db: string) => Promise<void>, password?: string): Promise<Setup> {
  const db = await createDb('ob_rt');
  // With a password, a role that must log in with it (scram-sha-256 on the suite's server).
  const role = password ? await createPasswordRole(password) : undefined;
  await load(db);
  const tmp = await tempDir();
  const config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { app: { type: 'postgres', url: pgUrl(db, role?.user ?? 'postgres', password) } },
    storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } },
  });
  return {
    db,
    dir: tmp.dir,
    config,
    cleanup: async () => {
      await dropDb(db);
      await role?.drop();
      await tmp.cleanup();
    },
  };
}

async function schemaObjects(db: string): Promise<Record<string, unknown>> {
  const [row] = await pgQuery(
    db,
    `SELECT (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) AS triggers,
            (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e') AS enums,
            (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'd') AS domains,
            (SELECT count(*) FROM pg_inherits) AS partitions,
            (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public') AS functions,
            (SELECT count(*) FROM pg_views WHERE schemaname = 'public') AS views`,
  );
  return row ?? {};
}

async function roundTrip(s: Setup): Promise<void> {
  const before = await tableDigests(s.db);
  const objectsBefore = await schemaObjects(s.db);
  const created = await runCli(['-c', s.config, '--json', 'create']);
  expect(created.exitCode, created.stderr).toBe(0);
  const id = created.json.archives[0].id as string;
  expect(id).toMatch(/^app\/_all\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/);

  const listed = await runCli(['-c', s.config, '--json', 'list']);
  expect(listed.json.archives.map((a: { id: string }) => a.id)).toEqual([id]);

  const verified = await runCli(['-c', s.config, '--json', 'verify', id]);
  expect(verified.exitCode, verified.stderr).toBe(0);
  expect(verified.json.archives[0]).toMatchObject({ status: 'ok', levels: [1, 2] });

  await dropDb(s.db);
  const restored = await runCli(['-c', s.config, '--json', 'restore', 'latest', '--source', 'app', '--yes']);
  expect(restored.exitCode, restored.stderr).toBe(0);
  expect(await tableDigests(s.db)).toEqual(before);
  expect(await schemaObjects(s.db)).toEqual(objectsBefore);
}

describe('PostgreSQL round trip', () => {
  it.skipIf(!hasDatasets)(`Pagila survives create -> drop -> restore (skipped when ${DATASETS_SKIP_REASON})`, async () => {
    const s = await setup(async (db) => {
      await psql(db, { file: dataset('pagila', 'pagila-schema.sql') });
      await psql(db, { file: dataset('pagila', 'pagila-data.sql') });
    });
    try {
      const objects = await schemaObjects(s.db);
      expect(objects).toMatchObject({ enums: '1', domains: '2' });
      expect(Number(objects.partitions)).toBeGreaterThan(0);
      expect(Number(objects.triggers)).toBeGreaterThan(0);
      await roundTrip(s);
    } finally {
      await s.cleanup();
    }
  });

  it('the multi-tenant bench fixture survives create -> drop -> restore', async () => {
    const s = await setup((db) => seedSaasInto(db));
    try {
      await roundTrip(s);
    } finally {
      await s.cleanup();
    }
  });
});

describe('damage and secrets', () => {
  let s: Setup;
  const password = 'Sup3r-Secret-pw-91827';
  beforeAll(async () => {
    s = await setup((db) => psql(db, { sql: "CREATE TABLE t (id int primary key, note text); INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 5000) g;" }), password);
  });
  afterAll(() => s.cleanup());

  async function freshArchive(): Promise<{ id: string; file: string }> {
    const created = await runCli(['-c', s.config, '--json', 'create']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.json.archives[0].id as string;
    return { id, file: path.join(s.dir, 'backups', `${id}.zip`) };
  }

  it('never shows the password: output, logs, manifests, --json', async () => {
    const outputs = [
      await runCli(['-c', s.config, '--json', 'create']),
      await runCli(['-c', s.config, 'create', '--verbose']),
      await runCli(['-c', s.config, '--json', 'list', '--long']),
      await runCli(['-c', s.config, 'verify', '--all', '--verbose']),
    ];
    for (const out of outputs) {
      expect(out.exitCode, out.stderr).toBe(0);
      expect(out.stdout + out.stderr).not.toContain(password);
    }
    const dir = path.join(s.dir, 'backups', 'app', '_all');
    for (const name of await readdir(dir)) expect((await readFile(path.join(dir, name))).includes(password)).toBe(false);
  });

  it('verify catches a flipped byte (exit 5, level 1) and restore refuses it without touching the target', async () => {
    const { id, file } = await freshArchive();
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(file, bytes);
    const verified = await runCli(['-c', s.config, '--json', 'verify', id]);
    expect(verified.exitCode).toBe(5);
    expect(verified.json.archives[0]).toMatchObject({ status: 'failed', failedLevel: 1 });

    await pgQuery(s.db, "INSERT INTO t VALUES (999999, 'after the backup')");
    const before = await tableDigests(s.db);
    const restored = await runCli(['-c', s.config, 'restore', id, '--yes']);
    expect(restored.exitCode).toBe(5);
    expect(restored.stderr).toMatch(/refusing to restore .*the target was not touched/);
    expect(await tableDigests(s.db)).toEqual(before);
  });

  it('verify reports a truncated archive (exit 5)', async () => {
    const { id, file } = await freshArchive();
    await truncate(file, 1000);
    const verified = await runCli(['-c', s.config, '--json', 'verify', id]);
    expect(verified.exitCode).toBe(5);
    expect(verified.json.archives[0]).toMatchObject({ status: 'failed', failedLevel: 1 });
    expect(verified.json.archives[0].error).toMatch(/its sidecar/);
  });

  it('an archive without its sidecar is invisible to list and verify', async () => {
    const { id } = await freshArchive();
    const sidecar = path.join(s.dir, 'backups', `${id}.manifest.json`);
    await writeFile(sidecar + '.bak', await readFile(sidecar));
    await import('node:fs/promises').then((fs) => fs.unlink(sidecar));
    const listed = await runCli(['-c', s.config, '--json', 'list']);
    expect(listed.json.archives.map((a: { id: string }) => a.id)).not.toContain(id);
    const verified = await runCli(['-c', s.config, 'verify', id]);
    expect(verified.exitCode).toBe(2);
    expect(verified.stderr).toContain(`archive ${id} does not exist`);
  });
});
