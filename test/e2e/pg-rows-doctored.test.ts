/**
 * A doctored PostgreSQL rows archive never steers a restore: the built binary, a real PostgreSQL,
 * a real rows archive of tenant 2 that the test rewrites (a row of another tenant, a child row
 * under another tenant's parent; or its plan: a table filtered by another column, a child reached
 * through a foreign key the target lacks), with every checksum recomputed so verify levels 1 and 2
 * pass and only the restore's own checks stand in the way. The restore must refuse (exit 5) and
 * leave the whole database, every tenant and table, unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { doctorArchive, packed, plainOf } from '../helpers/doctor-archive.js';
import { createDb, dropDb, psql, tableDigests } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';
import type { PlannedTable, RowsPlan } from '../../src/sources/rows/plan.js';

let work: { dir: string; cleanup(): Promise<void> };
let db = '';
beforeEach(async () => {
  work = await tempDir('orgbackup-pg-doctored-');
  db = await createDb('ob_pgdoctored');
  // Notes of tenant 2 all have author_org 2, and so have some notes of the other tenants.
  await psql(db, {
    sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
          CREATE TABLE projects (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text);
          CREATE TABLE tasks (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects, title text);
          CREATE TABLE notes (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, author_org int NOT NULL, body text);
          INSERT INTO organizations SELECT g, 'org' || g FROM generate_series(1, 3) g;
          INSERT INTO projects SELECT g, 1 + g % 3, 'p' || g FROM generate_series(1, 9) g;
          INSERT INTO tasks SELECT g, 1 + g % 9, 't' || g FROM generate_series(1, 18) g;
          INSERT INTO notes SELECT g, 1 + g % 3, CASE WHEN g % 2 = 0 THEN 2 ELSE 1 + g % 3 END, 'n' || g FROM generate_series(1, 12) g;`,
  });
});
afterEach(async () => {
  await dropDb(db);
  await work.cleanup();
});

interface Case {
  what: string;
  /** The table whose entry gets `line` (COPY text) appended. */
  table?: string;
  line?: string;
  plan?: (tables: PlannedTable[]) => void;
  refusal: RegExp;
}

// Project 2 belongs to tenant 3 (org_id = 1 + 2 % 3).
const CASES: Case[] = [
  {
    what: 'a row of another tenant',
    table: 'public.projects',
    line: '99001\t3\tintruder',
    refusal: /rows\/public\.projects\.copy\S* holds 1 row\(s\) of public\.projects that do not belong to the tenant/,
  },
  {
    what: "a child row under another tenant's parent",
    table: 'public.tasks',
    line: '99002\t2\tintruder',
    refusal: /rows\/public\.tasks\.copy\S* holds 1 row\(s\) of public\.tasks that do not belong to the tenant/,
  },
  // The plan decides what is deleted: notes "of tenant 2" by author_org include other tenants' notes.
  {
    what: 'a plan that filters a table by another column',
    plan: (tables) => (tables.find((t) => t.table === 'public.notes')!.filterColumn = 'author_org'),
    refusal: /plan .* does not fit the target for public\.notes: it is filtered by author_org/,
  },
  {
    what: 'a plan that reaches a child through a foreign key the target lacks',
    plan: (tables) => {
      const tasks = tables.find((t) => t.table === 'public.tasks')!;
      tasks.via = { ...tasks.via!, columns: ['id'] };
    },
    refusal: /plan .* does not fit the target for public\.tasks: the target has no foreign key public\.tasks\(id\) -> public\.projects\(id\)/,
  },
];

describe('PostgreSQL rows restore of a doctored archive', () => {
  it.each(CASES)('refuses $what, and changes nothing', async ({ table, line, plan, refusal }) => {
    const config = await configWith(work.dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' }));
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    let checksum = '';
    const doctored = await doctorArchive(
      path.join(work.dir, 'backups'),
      id!,
      // Row count and checksum follow the rewrite, so verify levels 1 and 2 pass.
      (manifest) => {
        const info = manifest.tables.find((t) => t.name === table);
        if (info && line) {
          info.rows += 1;
          info.checksum = checksum;
          delete info.digest;
        }
        if (plan) plan((manifest.details as { plan: RowsPlan }).plan.tables);
      },
      (name, data) => {
        if (!line || !name.startsWith(`rows/${table}.copy`)) return data;
        const text = Buffer.concat([plainOf(name, data), Buffer.from(`${line}\n`)]);
        checksum = createHash('sha256').update(text).digest('hex');
        return packed(name, text);
      },
    );
    const verified = await runCli(['-c', config, '--json', 'verify', doctored]);
    expect(verified.exitCode, verified.stdout).toBe(0);

    // Tenant 2 differs from its archive, so a restore that went through would change it too.
    await psql(db, { sql: `UPDATE projects SET name = 'changed' WHERE org_id = 2; DELETE FROM notes WHERE id = 1;` });
    const before = await tableDigests(db);
    const restored = await runCli(['-c', config, '--json', 'restore', doctored, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(5);
    expect(restored.stderr).toMatch(refusal);
    expect(await tableDigests(db)).toEqual(before);
  });
});
