/**
 * verify --restore-test (level 3) for PostgreSQL schema-mode archives: restored into a throwaway
 * schema of the source database (the tenant's own schema untouched), compared, and dropped; a
 * doctored manifest fails level 3 only.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { pgQuery, tableDigests } from '../helpers/pg.js';
import { cleanupsAfterAll, pgTenantSchema, TENANT_SCHEMAS, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, failsRestoreTestOnly, pgSource, verifyJson } from '../helpers/restore.js';

const later = cleanupsAfterAll();

describe('verify --restore-test, PostgreSQL schema mode', () => {
  it('restores into a throwaway schema, leaves the tenant alone, catches a doctored manifest, and drops the schema', async () => {
    const db = await pgTenantSchema(later, 'rtschema');
    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db, TENANT_SCHEMAS));
    const [id] = await createArchives(config);
    const tenant = await tableDigests(db, ['tenant_acme']);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.levels).toEqual([1, 2, 3]);
    expect(item!.restoreTest).toMatchObject({ tables: 2, rows: 62, problems: [] });

    const doctored = await doctorArchive(`${dir}/backups`, id!, (manifest) => {
      manifest.tables = manifest.tables.map((t) => (t.name.endsWith('.tasks') ? { ...t, rows: t.rows + 1 } : t));
    });
    await failsRestoreTestOnly(config, doctored, [], { plainVerify: false });

    const schemas = await pgQuery<{ nspname: string }>(db, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ob\\_%' OR nspname LIKE 'tenant\\_%' ORDER BY 1`);
    expect(schemas.map((s) => s.nspname)).toEqual(['tenant_acme']);
    expect(await tableDigests(db, ['tenant_acme'])).toEqual(tenant);
  });
});
