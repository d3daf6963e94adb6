/** Tenant-mode test fixtures: the seeded SaaS database, configs, and digests of one tenant's rows. */
import { execa } from 'execa';
import { BENCH_SEED } from './datasets.js';
import { createDb, PG_HOST, PG_PORT, PG_USER, pgQuery, pgUrl, psql } from './pg.js';
import { runCli, type CliResult } from './cli.js';
import { writeConfig } from './tmp.js';

/**
 * The bench fixture (every table but organizations has org_id) plus what it lacks: a child table
 * without the tenant column (issue_comments -> issues), a second-level child
 * (comment_reactions -> issue_comments) and a shared lookup table (countries).
 */
export async function seedSaas(orgs = 20): Promise<string> {
  const db = await createDb('ob_saas');
  await psql(db, { file: BENCH_SEED, vars: { scale: '1', orgs: String(orgs) } });
  await psql(db, {
    sql: `
      CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
      INSERT INTO countries VALUES ('de', 'Germany'), ('fr', 'France');
      CREATE TABLE issue_comments (id bigserial PRIMARY KEY, issue_id bigint NOT NULL REFERENCES issues(id), body text NOT NULL, country text REFERENCES countries(code));
      INSERT INTO issue_comments (issue_id, body, country) SELECT id, 'comment on ' || id, CASE WHEN id % 2 = 0 THEN 'de' END FROM issues WHERE id % 7 = 0;
      CREATE TABLE comment_reactions (id bigserial PRIMARY KEY, comment_id bigint NOT NULL REFERENCES issue_comments(id), emoji text NOT NULL);
      INSERT INTO comment_reactions (comment_id, emoji) SELECT id, ':+1:' FROM issue_comments WHERE id % 3 = 0;
      ANALYZE;`,
  });
  return db;
}

/** Each SaaS table's rows of one org, as a query over the base tables. */
export function saasTenantQueries(org: number | string): Record<string, string> {
  const id = `'${String(org).replace(/'/g, "''")}'`;
  return {
    organizations: `SELECT * FROM organizations WHERE id = ${id}`,
    departments: `SELECT * FROM departments WHERE org_id = ${id}`,
    users: `SELECT * FROM users WHERE org_id = ${id}`,
    assets: `SELECT * FROM assets WHERE org_id = ${id}`,
    issues: `SELECT * FROM issues WHERE org_id = ${id}`,
    notifications: `SELECT * FROM notifications WHERE org_id = ${id}`,
    issue_comments: `SELECT c.* FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${id}`,
    comment_reactions: `SELECT r.* FROM comment_reactions r JOIN issue_comments c ON c.id = r.comment_id JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${id}`,
  };
}

/** Row count and md5 of the rows (in a stable order) of each query. */
export async function queryDigests(database: string, queries: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(queries)) {
    const [row] = await pgQuery<{ n: string; d: string | null }>(database, `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM (${sql}) x`);
    out[name] = `${row?.n}:${row?.d ?? ''}`;
  }
  return out;
}

/** An empty copy of a database's schema (tables, keys, sequences; no rows). */
export async function schemaOnlyCopy(from: string): Promise<string> {
  const db = await createDb('ob_copy');
  const conn = ['-h', PG_HOST, '-p', String(PG_PORT), '-U', PG_USER];
  const dump = await execa('pg_dump', [...conn, '--schema-only', '--no-owner', '-d', from]);
  await psql(db, { sql: dump.stdout });
  return db;
}

/** A rows-mode config on `db`, written to `dir`; extra keys merge into tenants. */
export async function rowsConfig(dir: string, db: string, tenants: Record<string, unknown> = {}): Promise<string> {
  return writeConfig(dir, {
    version: 1,
    sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id', ...tenants } } },
    storage: { local: { type: 'local', path: `${dir}/backups` } },
  });
}

export function cli(config: string, ...args: string[]): Promise<CliResult> {
  return runCli(['-c', config, '--json', '--no-progress', ...args]);
}

/** Backs up one tenant and returns its archive id (fails the test when the backup fails). */
export async function backupOne(config: string, tenant: string, source = 'app'): Promise<{ id: string; result: CliResult }> {
  const result = await cli(config, 'create', '--source', source, '--tenant', tenant);
  if (result.exitCode !== 0) throw new Error(`create failed (${result.exitCode}): ${result.stderr}`);
  return { id: firstArchiveId(result), result };
}

export interface ArchiveRow {
  id: string;
  tenant: string;
  status: string;
  rows: number;
  size: number;
  error?: string;
}

/** The `archives` of a `create --json` result. */
export function archivesOf(result: CliResult): ArchiveRow[] {
  return (result.json as { archives: ArchiveRow[] }).archives;
}

export function firstArchiveId(result: CliResult): string {
  return archivesOf(result)[0]!.id;
}

/** A stored sidecar with the rows-mode details typed. */
export interface RowsSidecar {
  tables: { name: string; rows: number; checksum?: string }[];
  schemaFingerprint: { sha256: string };
  details: { shared: string[]; loadOrder: string[] };
}
