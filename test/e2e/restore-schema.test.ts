/**
 * Restore safety in schema mode (PostgreSQL), through the built binary: the schema comes back as
 * archived, the rollback to the safety backup restores the pre-restore state, and a restore that
 * fails mid-way leaves the schema exactly as it was.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { cleanupsAfterAll, pgTenantSchema, TENANT_SCHEMAS, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { uniqueName } from '../helpers/tmp.js';

const later = cleanupsAfterAll();

async function fixture(): Promise<{ db: string; config: string }> {
  const db = await pgTenantSchema(later, 'rtsche');
  return { db, config: await configWith(await workDir(later), pgSource(db, TENANT_SCHEMAS)) };
}

const scribble = `DELETE FROM tenant_acme.tasks WHERE id <= 10; UPDATE tenant_acme.projects SET name = 'edited' WHERE id = 3; INSERT INTO tenant_acme.projects (name) VALUES ('added');`;

describe('restore, PostgreSQL schema mode', () => {
  it('restores the archived schema and rolls back to the safety backup', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config);
    const archived = await tableDigests(db, ['tenant_acme']);
    await psql(db, { sql: scribble });
    const edited = await tableDigests(db, ['tenant_acme']);

    const res = await runCli(['-c', config, '--json', 'restore', id!, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await tableDigests(db, ['tenant_acme'])).toEqual(archived);

    const back = await runCli(['--json', ...(res.json.safetyBackup.rollback as string).replace(/^orgbackup /, '').split(' ')]);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await tableDigests(db, ['tenant_acme'])).toEqual(edited);
  });

  it('leaves the schema exactly as it was when the restore fails mid-way', async () => {
    const { db, config } = await fixture();
    const role = uniqueName('rtschowner');
    await pgQuery('postgres', `CREATE ROLE ${role}`);
    later(() => pgQuery('postgres', `DROP ROLE IF EXISTS ${role}`));
    await pgQuery(db, `ALTER TABLE tenant_acme.tasks OWNER TO ${role}`);
    const [id] = await createArchives(config);
    await pgQuery(db, `REASSIGN OWNED BY ${role} TO postgres`);
    await pgQuery('postgres', `DROP ROLE ${role}`);
    await psql(db, { sql: scribble });
    const before = await tableDigests(db, ['tenant_acme']);

    const res = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('rolled back');
    expect(await tableDigests(db, ['tenant_acme'])).toEqual(before);
    const schemas = await pgQuery<{ nspname: string }>(db, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ob\\_%' OR nspname LIKE 'tenant\\_%'`);
    expect(schemas.map((s) => s.nspname)).toEqual(['tenant_acme']);
  });
});
