/**
 * `restore --as` on PostgreSQL across foreign-key cycles, through the built binary: projects and
 * tasks reference each other (a project's lead task, a task's project) and tasks form a
 * self-referencing chain (blocked_by). With the cycle DEFERRABLE the clone's rows equal the
 * source's modulo keys, every reference followed inside the clone; with it NOT DEFERRABLE the clone
 * fails and is rolled back with the keys named and the ALTER statements that fix it, nothing changed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, dropDb, pgQuery, psql, tableDigests } from '../helpers/pg.js';
import { backupOne, cli, queryDigests, rowsConfig } from '../helpers/tenants.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

function cycle(deferrable: boolean): string {
  return `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
    CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text NOT NULL, lead_task int);
    CREATE TABLE tasks (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, project_id int NOT NULL REFERENCES projects ${deferrable ? 'DEFERRABLE' : ''},
      title text NOT NULL, blocked_by int REFERENCES tasks ${deferrable ? 'DEFERRABLE' : ''});
    ALTER TABLE projects ADD CONSTRAINT projects_lead_fk FOREIGN KEY (lead_task) REFERENCES tasks ${deferrable ? 'DEFERRABLE' : ''};
    INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
    INSERT INTO projects (org_id, name) SELECT 1 + g % 2, 'project ' || g FROM generate_series(1, 6) g;
    INSERT INTO tasks (org_id, project_id, title) SELECT p.org_id, p.id, p.name || ' task ' || t FROM projects p, generate_series(1, 4) t ORDER BY p.id, t;
    -- A chain: each task of a project is blocked by the one before it.
    UPDATE tasks t SET blocked_by = (SELECT max(b.id) FROM tasks b WHERE b.project_id = t.project_id AND b.id < t.id);
    UPDATE projects p SET lead_task = (SELECT max(t.id) FROM tasks t WHERE t.project_id = p.id);`;
}

/** Tenant `org`'s rows without keys: each reference read as the name of the row it points at within the tenant. */
function withoutKeys(org: number): Record<string, string> {
  return {
    projects: `SELECT p.name, l.title AS lead FROM projects p LEFT JOIN tasks l ON l.id = p.lead_task AND l.org_id = p.org_id WHERE p.org_id = ${org}`,
    tasks: `SELECT t.title, p.name AS project, b.title AS blocker FROM tasks t LEFT JOIN projects p ON p.id = t.project_id AND p.org_id = t.org_id
              LEFT JOIN tasks b ON b.id = t.blocked_by AND b.org_id = t.org_id WHERE t.org_id = ${org}`,
  };
}

async function fixture(deferrable: boolean): Promise<{ db: string; config: string; id: string }> {
  const db = await createDb('ob_as_cycle');
  cleanups.push(() => dropDb(db));
  await psql(db, { sql: cycle(deferrable) });
  const tmp = await tempDir('orgbackup-as-cycle-');
  cleanups.push(() => tmp.cleanup());
  const config = await rowsConfig(tmp.dir, db);
  return { db, config, id: (await backupOne(config, '2')).id };
}

describe('restore --as across foreign-key cycles (PostgreSQL)', () => {
  it('clones a tenant whose tables reference each other and themselves, DEFERRABLE: equal modulo keys, the source untouched', async () => {
    const { db, config, id } = await fixture(true);
    const source = await queryDigests(db, withoutKeys(2));
    expect(source.tasks).toMatch(/^12:/);
    const before = await tableDigests(db);
    const dry = await cli(config, 'restore', id, '--as', '7', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.plan.join('\n')).toContain(
      'public.projects: 3 row(s) inserted as tenant 7; org_id set to 7; new id from projects_id_seq; references remapped through projects_lead_fk (lead_task)',
    );
    expect(await tableDigests(db)).toEqual(before);

    const done = await cli(config, 'restore', id, '--as', '7', '--yes');
    expect(done.exitCode, done.stderr).toBe(0);
    expect(await queryDigests(db, withoutKeys(7))).toEqual(source);
    expect(await queryDigests(db, withoutKeys(2))).toEqual(source);
    // Every reference of the clone points inside the clone: none at tenant 2's rows.
    const leaks = await pgQuery<{ n: number }>(
      db,
      `SELECT (SELECT count(*) FROM projects p JOIN tasks t ON t.id = p.lead_task WHERE p.org_id = 7 AND t.org_id <> 7)
            + (SELECT count(*) FROM tasks t JOIN tasks b ON b.id = t.blocked_by WHERE t.org_id = 7 AND b.org_id <> 7)
            + (SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.org_id = 7 AND p.org_id <> 7) AS n`,
    );
    expect(Number(leaks[0]!.n)).toBe(0);
  });

  it('fails and rolls back on a cycle that is NOT DEFERRABLE, naming the keys and the ALTER statements, which make it work', async () => {
    const { db, config, id } = await fixture(false);
    const source = await queryDigests(db, withoutKeys(2));
    const before = await tableDigests(db);
    const failed = await cli(config, 'restore', id, '--as', '7', '--yes');
    expect(failed.exitCode).toBe(1);
    expect(failed.json.error.message).toContain('the rows restore failed and was rolled back, the target is unchanged');
    expect(failed.json.error.hint).toContain('projects_lead_fk (public.projects -> public.tasks), tasks_project_id_fkey (public.tasks -> public.projects) form a cycle and are not DEFERRABLE');
    expect(await tableDigests(db)).toEqual(before);

    await psql(db, { sql: /ALTER TABLE .*DEFERRABLE;/.exec(failed.json.error.hint as string)![0] });
    const done = await cli(config, 'restore', id, '--as', '7', '--yes');
    expect(done.exitCode, done.stderr).toBe(0);
    expect(await queryDigests(db, withoutKeys(7))).toEqual(source);
  });
});
