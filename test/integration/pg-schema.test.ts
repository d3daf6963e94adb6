/**
 * Schema mode through the built binary: one archive per schema (pg_dump -n, names matched
 * literally), restore replacing a schema atomically, --target cloning under a new name, and a
 * restore that fails midway leaving the old schema exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDb, pgQuery, pgUrl, tableDigests } from '../helpers/pg.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { cli, firstArchiveId } from '../helpers/tenants.js';

let db: string;
let dir: { dir: string; cleanup(): Promise<void> };
let config: string;
const owner = uniqueName('ob_owner');
const schemas = ['t_alpha', 't_beta', 't_*.x'];

const schemaSql = (s: string, n: number) => {
  const q = `"${s.replace(/"/g, '""')}"`;
  return `CREATE SCHEMA ${q};
    CREATE TABLE ${q}.projects (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE ${q}.tasks (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, project_id int NOT NULL REFERENCES ${q}.projects(id), title text);
    INSERT INTO ${q}.projects (name) SELECT 'p' || g FROM generate_series(1, ${n}) g;
    INSERT INTO ${q}.tasks (project_id, title) SELECT 1 + g % ${n}, 't' || g FROM generate_series(1, ${n * 10}) g;
    CREATE VIEW ${q}.open_tasks AS SELECT * FROM ${q}.tasks WHERE title LIKE 't1%';`;
};

beforeAll(async () => {
  db = uniqueName('ob_schema');
  await pgQuery('postgres', `CREATE DATABASE "${db}"`);
  for (const [i, s] of schemas.entries()) await pgQuery(db, schemaSql(s, 5 * (i + 1)));
  await pgQuery(db, `CREATE SCHEMA other; CREATE TABLE other.keep (id int); INSERT INTO other.keep VALUES (1)`);
  dir = await tempDir();
  config = await writeConfig(dir.dir, {
    version: 1,
    sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'schema', match: 't\\_%' } } },
    storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
  });
});

afterAll(async () => {
  await dropDb(db);
  await pgQuery('postgres', `DROP ROLE IF EXISTS "${owner}"`);
  await dir.cleanup();
});

const restore = async (id: string, ...args: string[]) => cli(config, 'restore', id, '--yes', '--no-safety-backup', ...args);
const schemaNames = async () =>
  (await pgQuery<{ n: string }>(db, `SELECT nspname AS n FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1`)).map((r) => r.n);

describe('schema mode', () => {
  it('writes one archive per schema holding only that schema', async () => {
    const result = await cli(config, 'create', '--jobs', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    const archives = result.json.archives as { tenant: string; rows: number }[];
    expect(archives.map((a) => a.tenant).sort()).toEqual([...schemas].sort());
    // The pattern characters in "t_*.x" are matched literally: 15 projects + 150 tasks, nothing of the others.
    expect(archives.find((a) => a.tenant === 't_*.x')!.rows).toBe(165);
    expect(archives.find((a) => a.tenant === 't_alpha')!.rows).toBe(55);
  });

  it('replaces a schema with its archive and leaves the other schemas alone', async () => {
    const created = await cli(config, 'create', '--tenant', 't_alpha');
    const before = await tableDigests(db, [...schemas, 'other']);
    await pgQuery(
      db,
      `DELETE FROM t_alpha.tasks WHERE id % 2 = 0; UPDATE t_alpha.projects SET name = 'x'; CREATE TABLE t_alpha.extra (id int); UPDATE t_beta.projects SET name = 'beta changed' WHERE id = 1`,
    );
    const beta = await tableDigests(db, ['t_beta']);
    const result = await restore(firstArchiveId(created));
    expect(result.exitCode, result.stderr).toBe(0);
    const after = await tableDigests(db, [...schemas, 'other']);
    expect(Object.fromEntries(Object.entries(after).filter(([t]) => t.startsWith('t_alpha.')))).toEqual(Object.fromEntries(Object.entries(before).filter(([t]) => t.startsWith('t_alpha.'))));
    expect(await tableDigests(db, ['t_beta'])).toEqual(beta);
    const [view] = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM t_alpha.open_tasks`);
    expect(Number(view!.n)).toBeGreaterThan(0);
    expect((await schemaNames()).filter((s) => s.startsWith('ob_hold'))).toEqual([]);
  });

  it('--target clones under a new schema name and leaves the original untouched', async () => {
    const created = await cli(config, 'create', '--tenant', 't_beta');
    await pgQuery(db, `UPDATE t_beta.projects SET name = 'changed after backup' WHERE id = 2`);
    const original = await tableDigests(db, ['t_beta']);
    const clone = uniqueName('t_clone');
    const result = await restore(firstArchiveId(created), '--target', clone);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await tableDigests(db, ['t_beta'])).toEqual(original);
    const [row] = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM "${clone}".projects WHERE name = 'changed after backup'`);
    expect(Number(row!.n)).toBe(0);
    const [tasks] = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM "${clone}".tasks`);
    expect(Number(tasks!.n)).toBe(100);
  });

  it('a restore failing midway leaves the old schema exactly as it was', async () => {
    // The archive gives the tables to a role that is gone by restore time: ALTER ... OWNER fails
    // after the schema has already been moved aside and recreated.
    await pgQuery(db, `CREATE ROLE "${owner}"; ALTER TABLE t_alpha.tasks OWNER TO "${owner}"`);
    const created = await cli(config, 'create', '--tenant', 't_alpha');
    expect(created.exitCode, created.stderr).toBe(0);
    await pgQuery(db, `ALTER TABLE t_alpha.tasks OWNER TO postgres; DROP ROLE "${owner}"; DELETE FROM t_alpha.tasks WHERE id < 10`);
    const before = await tableDigests(db, [...schemas, 'other']);
    const namesBefore = await schemaNames();
    const result = await restore(firstArchiveId(created));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/rolled back/);
    expect(await tableDigests(db, [...schemas, 'other'])).toEqual(before);
    expect(await schemaNames()).toEqual(namesBefore);
  });
});
