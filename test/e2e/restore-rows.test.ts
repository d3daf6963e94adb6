/**
 * Restore safety in rows mode (PostgreSQL), through the built binary: restoring tenant 2 after
 * deletes, edits and additions gives back exactly its archived rows and leaves every other tenant's
 * rows untouched; the safety backup's rollback restores the pre-restore state; a target whose
 * schema moved on is refused without --force.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';

const later = cleanupsAfterAll();

async function fixture(): Promise<{ db: string; config: string }> {
  const db = await createDb('rtrowse');
  later(() => dropDb(db));
  await psql(db, {
    sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
          CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text);
          CREATE TABLE tasks (id serial PRIMARY KEY, project_id int NOT NULL REFERENCES projects, title text);
          INSERT INTO organizations SELECT g, 'org' || g FROM generate_series(1, 3) g;
          INSERT INTO projects (org_id, name) SELECT 1 + g % 3, 'p' || g FROM generate_series(1, 30) g;
          INSERT INTO tasks (project_id, title) SELECT 1 + g % 30, 't' || g FROM generate_series(1, 120) g;`,
  });
  const dir = await workDir(later);
  return { db, config: await configWith(dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' })) };
}

/** Digests of one tenant's rows per table, and of everybody else's. */
async function digests(db: string, tenant: number): Promise<{ mine: string[]; others: string[] }> {
  const query = (where: string) =>
    pgQuery<{ d: string }>(
      db,
      `SELECT (SELECT count(*) || ':' || md5(coalesce(string_agg(p::text, '|' ORDER BY p.id), '')) FROM projects p WHERE ${where.replace(/X/g, 'p.org_id')}) ||
              (SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM tasks t JOIN projects p ON p.id = t.project_id WHERE ${where.replace(/X/g, 'p.org_id')}) AS d`,
    );
  return { mine: (await query(`X = ${tenant}`)).map((r) => r.d), others: (await query(`X <> ${tenant}`)).map((r) => r.d) };
}

describe('restore, PostgreSQL rows mode', () => {
  it('gives back exactly the archived rows of one tenant, touches no other tenant, and rolls back', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const archived = await digests(db, 2);
    await psql(db, {
      sql: `DELETE FROM tasks WHERE id IN (SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.org_id = 2 LIMIT 5);
            UPDATE projects SET name = 'edited' WHERE org_id = 2 AND id < 10;
            INSERT INTO projects (org_id, name) VALUES (2, 'added'), (2, 'added too');`,
    });
    const edited = await digests(db, 2);
    expect(edited.mine).not.toEqual(archived.mine);

    const res = await runCli(['-c', config, '--json', 'restore', id!, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await digests(db, 2)).toEqual({ mine: archived.mine, others: archived.others });
    const rollback = res.json.safetyBackup.rollback as string;

    const back = await runCli(['--json', ...rollback.replace(/^orgbackup /, '').split(' ')]);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await digests(db, 2)).toEqual(edited);
  });

  it('refuses a target whose schema changed since the backup, and leaves it as it was', async () => {
    const { db, config } = await fixture();
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '1']);
    await psql(db, { sql: `ALTER TABLE projects ADD COLUMN budget numeric NOT NULL DEFAULT 0; DELETE FROM tasks WHERE project_id IN (SELECT id FROM projects WHERE org_id = 1);` });
    const before = await tableDigests(db);
    const res = await runCli(['-c', config, 'restore', id!, '--yes']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('column public.projects.budget (numeric NOT NULL): only in the target');
    expect(await tableDigests(db)).toEqual(before);
  });
});
