/**
 * verify --restore-test (level 3) for PostgreSQL schema-mode archives: restored into a throwaway
 * schema of the source database (the tenant's own schema untouched), compared, and dropped; a
 * doctored manifest fails level 3 only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { createDb, dropDb, pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { configWith, createArchives, pgSource, verifyJson } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('verify --restore-test, PostgreSQL schema mode', () => {
  it('restores into a throwaway schema, leaves the tenant alone, catches a doctored manifest, and drops the schema', async () => {
    const db = await createDb('rtschema');
    cleanups.push(() => dropDb(db));
    await psql(db, {
      sql: `CREATE SCHEMA tenant_acme;
            CREATE TABLE tenant_acme.projects (id serial PRIMARY KEY, name text);
            CREATE TABLE tenant_acme.tasks (id serial PRIMARY KEY, project_id int REFERENCES tenant_acme.projects, title text);
            INSERT INTO tenant_acme.projects (name) SELECT 'p' || g FROM generate_series(1, 12) g;
            INSERT INTO tenant_acme.tasks (project_id, title) SELECT 1 + g % 12, 't' || g FROM generate_series(1, 50) g;`,
    });
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, pgSource(db, { mode: 'schema', match: 'tenant\\_%' }));
    const [id] = await createArchives(config);
    const tenant = await tableDigests(db, ['tenant_acme']);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.levels).toEqual([1, 2, 3]);
    expect(item!.restoreTest).toMatchObject({ tables: 2, rows: 62, problems: [] });

    const doctored = await doctorArchive(`${tmp.dir}/backups`, id!, (manifest) => {
      manifest.tables = manifest.tables.map((t) => (t.name.endsWith('.tasks') ? { ...t, rows: t.rows + 1 } : t));
    });
    const bad = await runCli(['-c', config, '--json', 'verify', doctored, '--restore-test']);
    expect(bad.exitCode).toBe(5);
    expect(verifyJson(bad)[0]).toMatchObject({ status: 'failed', failedLevel: 3, levels: [1, 2] });

    const schemas = await pgQuery<{ nspname: string }>(db, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ob\\_%' OR nspname LIKE 'tenant\\_%' ORDER BY 1`);
    expect(schemas.map((s) => s.nspname)).toEqual(['tenant_acme']);
    expect(await tableDigests(db, ['tenant_acme'])).toEqual(tenant);
  });
});
