/** Tenant-mode test fixtures: the seeded SaaS database, configs, and digests of one tenant's rows. */
import { execa } from 'execa';
import path from 'node:path';
import { createDb, PG_HOST, PG_PORT, PG_USER, pgQuery, pgUrl, psql } from './pg.js';
import { ROOT, runCli, type CliResult } from './cli.js';
import { writeConfig } from './tmp.js';

/** orgbackup's own multi-tenant fixture (test/fixtures/saas-pg.sql; its header lists the FK shapes). */
export const SAAS_PG_FIXTURE = path.join(ROOT, 'test/fixtures/saas-pg.sql');

export interface SaasFixtureOptions {
  /** Size: each unit adds 500 users, 4000 assets, 40000 issues and 40000 notifications. */
  scale?: number;
  orgs?: number;
  /** users.mentor_id points at a user of the next organization. */
  crossTenant?: boolean;
}

/** Seeds the fixture into an existing database. */
export async function seedSaasInto(db: string, options: SaasFixtureOptions = {}): Promise<void> {
  const vars: Record<string, string> = { scale: String(options.scale ?? 1), orgs: String(options.orgs ?? 20) };
  if (options.crossTenant) vars.cross_tenant = '1';
  await psql(db, { file: SAAS_PG_FIXTURE, vars });
}

/** A new database holding the fixture at scale 1. */
export async function seedSaas(orgs = 20): Promise<string> {
  const db = await createDb('ob_saas');
  await seedSaasInto(db, { orgs });
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
    asset_tags: `SELECT * FROM asset_tags WHERE org_id = ${id}`,
    tag_votes: `SELECT * FROM tag_votes WHERE org_id = ${id}`,
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
