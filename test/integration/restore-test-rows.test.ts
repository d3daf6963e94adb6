/**
 * verify --restore-test (level 3) for PostgreSQL rows-mode archives: the scratch database gets the
 * source's schema and shared rows, the tenant's rows are restored into it and compared per table
 * (count and content sha256); a doctored archive holding another tenant's row passes levels 1-2
 * and fails level 3; the scratch database is dropped in both cases.
 */
import { createHash } from 'node:crypto';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { createDb, dropDb, psql } from '../helpers/pg.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource, scratchDatabasesOf, verifyJson, failsRestoreTestOnly } from '../helpers/restore.js';

const later = cleanupsAfterAll();

async function rowsFixture(): Promise<{ db: string; dir: string; config: string }> {
  const db = await createDb('rtrows');
  later(() => dropDb(db));
  await psql(db, {
    sql: `CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
          INSERT INTO plans VALUES (1, 'free'), (2, 'pro');
          CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL, plan_id int NOT NULL REFERENCES plans);
          CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text);
          CREATE TABLE tasks (id serial PRIMARY KEY, project_id int NOT NULL REFERENCES projects, title text);
          INSERT INTO organizations SELECT g, 'org' || g, 1 + g % 2 FROM generate_series(1, 3) g;
          INSERT INTO projects (org_id, name) SELECT 1 + g % 3, 'p' || g FROM generate_series(1, 30) g;
          INSERT INTO tasks (project_id, title) SELECT 1 + g % 30, 't' || g FROM generate_series(1, 120) g;`,
  });
  const dir = await workDir(later);
  const config = await configWith(dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }));
  return { db, dir, config };
}

/** A COPY entry (zstd-compressed or not) with its first row moved to another tenant: its new text and bytes. */
function moveFirstRowToTenant(name: string, data: Buffer, tenant: string): { plain: string; bytes: Buffer } {
  const zstd = name.endsWith('.zst');
  const text = zstd ? execaSync('zstd', ['-dcq'], { input: data, encoding: 'utf8' }).stdout : data.toString('utf8');
  const lines = text.split('\n');
  const cells = lines[0]!.split('\t');
  cells[1] = tenant;
  lines[0] = cells.join('\t');
  const plain = lines.join('\n');
  return { plain, bytes: zstd ? Buffer.from(execaSync('zstd', ['-cq'], { input: plain, encoding: 'buffer' }).stdout) : Buffer.from(plain) };
}

describe('verify --restore-test, PostgreSQL rows mode', () => {
  it('restores the tenant into a scratch database and matches every count and checksum', async () => {
    const { db, config } = await rowsFixture();
    await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const res = await runCli(['-c', config, '--json', 'verify', '--latest', '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.levels).toEqual([1, 2, 3]);
    // Tenant 2: its organization, 10 projects and their 40 tasks.
    expect(item!.restoreTest).toMatchObject({ tables: 3, rows: 51, problems: [] });
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it("fails level 3 on a consistent archive that smuggles in another tenant's row", async () => {
    const { db, dir, config } = await rowsFixture();
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', '2']);
    let checksum = '';
    const fixed = await doctorArchive(
      `${dir}/backups`,
      id!,
      // The manifest records the doctored rows' checksum, so that level 2 passes.
      (manifest) => (manifest.tables.find((t) => t.name === 'public.projects')!.checksum = checksum),
      (name, data) => {
        if (!name.startsWith('rows/public.projects.copy')) return data;
        const { bytes, plain } = moveFirstRowToTenant(name, data, '3');
        checksum = createHash('sha256').update(plain).digest('hex');
        return bytes;
      },
    );

    const item = await failsRestoreTestOnly(config, fixed);
    // The rows restore refuses a staged row outside the tenant before anything is applied.
    expect(item.error).toMatch(/public\.projects that do not belong to the tenant/);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });
});
