/**
 * A PostgreSQL rows restore puts back exactly the archived rows, whatever the target's triggers
 * do, and rewrites only rows that differ, through the built binary. The tenant's tables carry the
 * triggers real schemas have: BEFORE INSERT OR UPDATE stamping `updated_at = now()`, AFTER INSERT
 * writing into a shared audit table, and one the user disabled on purpose (it would fail any
 * insert). `notes` is partitioned (a trigger cloned from the parent to each partition, and an audit
 * trigger of partition notes_2's own), has no primary key and holds duplicate rows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, pgUrl, psql } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const SCHEMA = `
  CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
  CREATE TABLE audit_log (id serial PRIMARY KEY, tbl text NOT NULL, row_id int, at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE tasks (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, title text, updated_at timestamptz NOT NULL);
  CREATE TABLE notes (org_id int NOT NULL REFERENCES organizations, body text, updated_at timestamptz NOT NULL) PARTITION BY LIST (org_id);
  CREATE TABLE notes_2 PARTITION OF notes FOR VALUES IN (2);
  CREATE TABLE notes_rest PARTITION OF notes DEFAULT;
  INSERT INTO organizations SELECT g, 'org' || g FROM generate_series(1, 3) g;
  INSERT INTO tasks (org_id, title, updated_at) SELECT 1 + g % 3, 't' || g, '2020-01-01'::timestamptz + g * interval '1 day' FROM generate_series(1, 60) g;
  INSERT INTO notes SELECT 1 + g % 3, 'n' || (g % 9), '2021-06-01'::timestamptz + (g % 9) * interval '1 hour' FROM generate_series(1, 36) g;
  CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;
  CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_log (tbl, row_id) VALUES (TG_TABLE_NAME, NEW.id); RETURN NULL; END $$;
  CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disabled trigger fired'; END $$;
  CREATE TRIGGER tasks_stamp BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION stamp();
  CREATE TRIGGER tasks_audit AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION audit();
  CREATE TRIGGER tasks_refuse BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION refuse();
  ALTER TABLE tasks DISABLE TRIGGER tasks_refuse;
  CREATE TRIGGER notes_stamp BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION stamp();
  CREATE FUNCTION audit_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_log (tbl) VALUES (TG_TABLE_NAME); RETURN NULL; END $$;
  CREATE TRIGGER notes_2_audit AFTER INSERT ON notes_2 FOR EACH ROW EXECUTE FUNCTION audit_note();`;

const TENANTS = { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' };

async function fixture(): Promise<{ db: string; config: string; dir: string }> {
  const db = await createDb('rtrig');
  cleanups.push(() => dropDb(db));
  await psql(db, { sql: SCHEMA });
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  return { db, dir: tmp.dir, config: await configWith(tmp.dir, pgSource(db, TENANTS)) };
}

/** Tenant 2's rows as text, the timestamps in full: equal lists, equal rows. */
async function tenantRows(db: string): Promise<{ tasks: string[]; notes: string[] }> {
  const rows = (sql: string) => pgQuery<{ r: string }>(db, sql).then((r) => r.map((x) => x.r));
  return {
    tasks: await rows(`SELECT t::text AS r FROM tasks t WHERE org_id = 2 ORDER BY id`),
    notes: await rows(`SELECT n::text AS r FROM notes n WHERE org_id = 2 ORDER BY n::text`),
  };
}

/** Physical identity of each row version of tenant 2 (a rewritten row gets a new one). */
async function versions(db: string, table: 'tasks' | 'notes'): Promise<string[]> {
  const rows = await pgQuery<{ v: string }>(db, `SELECT ctid::text || '@' || xmin::text AS v FROM ${table} WHERE org_id = 2`);
  return rows.map((r) => r.v);
}

const triggerStates = (db: string) =>
  pgQuery<{ rel: string; tgname: string; tgenabled: string }>(db, `SELECT tgrelid::regclass::text AS rel, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`);
const auditCount = async (db: string) => Number((await pgQuery<{ n: string }>(db, 'SELECT count(*) AS n FROM audit_log'))[0]!.n);

async function restore(config: string, id: string): Promise<void> {
  const res = await runCli(['-c', config, 'restore', id, '--yes', '--no-safety-backup']);
  expect(res.exitCode, res.stderr).toBe(0);
}

describe("PostgreSQL rows restore and the target's triggers", () => {
  it('puts back the archived updated_at exactly, writes nothing to the audit table, and leaves the triggers as they were', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const archived = await tenantRows(db);
    const triggers = await triggerStates(db);
    await psql(db, {
      sql: `DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE org_id = 2 ORDER BY id LIMIT 4); DELETE FROM notes WHERE ctid IN (SELECT ctid FROM notes WHERE org_id = 2 LIMIT 3);`,
    });
    const audited = await auditCount(db);
    const plan = await runCli(['-c', config, 'restore', id!, '--dry-run']);
    expect(plan.stdout).toContain(
      'user triggers off during the load, then back on: public.notes.notes_stamp, public.notes_2.notes_2_audit, public.notes_2.notes_stamp, public.notes_rest.notes_stamp, public.tasks.tasks_audit, public.tasks.tasks_stamp',
    );

    // The human table of changes shows the tenant's rows there now (4 tasks fewer), not '-'.
    const tasksRow = /public\.tasks +(\d+) +(\d+)/.exec(plan.stdout);
    expect(tasksRow, plan.stdout).not.toBeNull();
    expect(Number(tasksRow![1])).toBe(Number(tasksRow![2]) - 4);

    await restore(config, id!);
    expect(await tenantRows(db)).toEqual(archived);
    expect(await auditCount(db)).toBe(audited);
    expect(await triggerStates(db)).toEqual(triggers);
    // The triggers work again for the application's writes.
    await psql(db, { sql: `INSERT INTO tasks (org_id, title, updated_at) VALUES (2, 'after', '2000-01-01')` });
    expect(await auditCount(db)).toBe(audited + 1);
    const [after] = await pgQuery<{ fresh: boolean }>(db, `SELECT updated_at > '2000-01-02' AS fresh FROM tasks WHERE title = 'after'`);
    expect(after?.fresh).toBe(true);
  });

  it('rewrites only the rows that differ from the archive; unchanged rows keep their row versions', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const archived = await tenantRows(db);
    await psql(db, {
      sql: `DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE org_id = 2 ORDER BY id LIMIT 3);
            UPDATE tasks SET title = 'edited' WHERE id IN (SELECT id FROM tasks WHERE org_id = 2 ORDER BY id DESC LIMIT 2);
            INSERT INTO tasks (org_id, title, updated_at) VALUES (2, 'added', now());
            DELETE FROM notes WHERE ctid IN (SELECT ctid FROM notes WHERE org_id = 2 AND body = 'n1' LIMIT 1);
            ALTER TABLE notes DISABLE TRIGGER notes_stamp;
            INSERT INTO notes SELECT * FROM notes WHERE org_id = 2 AND body = 'n4' LIMIT 1;
            ALTER TABLE notes ENABLE TRIGGER notes_stamp;
            INSERT INTO notes VALUES (2, 'extra', now());`,
    });
    const untouchedTasks = await pgQuery<{ v: string }>(db, `SELECT ctid::text || '@' || xmin::text AS v FROM tasks WHERE org_id = 2 AND title NOT IN ('edited', 'added')`);
    const notesBefore = await versions(db, 'notes');

    await restore(config, id!);
    expect(await tenantRows(db)).toEqual(archived);
    const tasksAfter = new Set(await versions(db, 'tasks'));
    expect(untouchedTasks.map((r) => r.v).filter((v) => !tasksAfter.has(v))).toEqual([]);
    // notes: of 12 rows before, the extra one and one surplus duplicate 'n4' go, one 'n1' comes back.
    const notesAfter = new Set(await versions(db, 'notes'));
    expect(notesBefore.filter((v) => notesAfter.has(v))).toHaveLength(notesBefore.length - 2);
    expect(notesAfter.size).toBe(archived.notes.length);
  });

  it('refuses, with nothing changed, when the restoring role cannot switch the triggers off', async () => {
    const { db, config, dir } = await fixture();
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const role = uniqueName('rtrig_writer');
    await pgQuery(db, `CREATE ROLE ${role} LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    cleanups.push(() => pgQuery(db, `DROP OWNED BY ${role}; DROP ROLE ${role}`));
    await psql(db, { sql: `DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE org_id = 2 ORDER BY id LIMIT 4)` });
    const before = await tenantRows(db);
    const storage = { local: { type: 'local', path: `${dir}/backups` } };
    const writer = await writeConfig(
      dir,
      { version: 1, sources: { app: { type: 'postgres', url: pgUrl(db, role), tenants: TENANTS } }, storage, defaults: { storage: ['local'] } },
      'writer.config.json',
    );

    const res = await runCli(['-c', writer, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('cannot switch off the triggers of public.notes, public.notes_2, public.notes_rest, public.tasks (it does not own them)');
    expect(res.stderr).toContain("restore as the tables' owner");
    expect(await tenantRows(db)).toEqual(before);
  });
});
