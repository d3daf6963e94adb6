/**
 * The point-in-time scenario both PITR providers' tests share, on a WalCluster: the SaaS fixture in
 * database `app`, a tenant and another changed on both sides of a time T, digests of tenants' rows,
 * and T itself taken from the server's clock (no sleeps): every commit so far is at or before T,
 * and the server's clock has passed T before the next change commits.
 */
import { execa } from 'execa';
import { saasTenantQueries, SAAS_PG_FIXTURE } from './tenants.js';
import type { WalCluster } from './wal-cluster.js';

export async function seedFixture(cluster: WalCluster, orgs: number, scale = 1): Promise<void> {
  await cluster.query('postgres', 'CREATE DATABASE app');
  const connect = ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', 'app'];
  await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `orgs=${orgs}`, '-v', `scale=${scale}`, ...connect, '-f', SAAS_PG_FIXTURE]);
}

/** Row count and md5 of each of the tenant's tables in `app`. */
export async function tenantDigests(cluster: WalCluster, org: number | string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, sql] of Object.entries(saasTenantQueries(org))) {
    const [row] = await cluster.query<{ n: string; d: string | null }>('app', `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM (${sql}) x`);
    out[table] = `${row!.n}:${row!.d ?? ''}`;
  }
  return out;
}

/**
 * A time T (ISO, to the millisecond --at takes) no earlier than any commit so far, and later than
 * any commit from the return on. The server's clock is read and rounded up to the millisecond,
 * then polled until it is past T (under a millisecond): recovery to T applies the commits before
 * the call and none after it.
 */
export async function markTime(cluster: WalCluster): Promise<string> {
  const [row] = await cluster.query<{ t: string }>(
    'postgres',
    `SELECT to_char(date_trunc('milliseconds', clock_timestamp() AT TIME ZONE 'UTC') + interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t`,
  );
  const at = row!.t;
  for (;;) {
    const [past] = await cluster.query<{ past: boolean }>('postgres', `SELECT clock_timestamp() > '${at}'::timestamptz AS past`);
    if (past!.past) return at;
  }
}

export interface AroundT {
  at: string;
  /** The tenant's digests as of T. */
  atT: Record<string, string>;
}

/**
 * The shared story: `tenant` has issues closed, notifications deleted and issues added, and `other`
 * issues edited, before T; after T the tenant loses its comments and reactions (a child table
 * emptied), its users change role and it gains issues, and `other` loses notifications and has its
 * issues reopened. The WAL of all of it is archived.
 */
export async function changeAroundT(cluster: WalCluster, tenant: number, other: number): Promise<AroundT> {
  await cluster.query('app', `UPDATE issues SET status = 'closed' WHERE org_id = ${tenant} AND id % 5 = 0; DELETE FROM notifications WHERE org_id = ${tenant} AND id % 3 = 0`);
  await cluster.query('app', `UPDATE issues SET title = title || ' (edited)' WHERE org_id = ${other} AND id % 7 = 0`);
  await cluster.query('app', `INSERT INTO issues (org_id, title, status, created_at) SELECT ${tenant}, 'before ' || g, 'open', now() FROM generate_series(1, 20) g`);
  const atT = await tenantDigests(cluster, tenant);
  const at = await markTime(cluster);
  await cluster.query('app', `DELETE FROM comment_reactions WHERE comment_id IN (SELECT c.id FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = ${tenant})`);
  await cluster.query('app', `DELETE FROM issue_comments WHERE issue_id IN (SELECT id FROM issues WHERE org_id = ${tenant})`);
  await cluster.query(
    'app',
    `UPDATE users SET role = 'viewer' WHERE org_id = ${tenant}; INSERT INTO issues (org_id, title, status, created_at) SELECT ${tenant}, 'after ' || g, 'open', now() FROM generate_series(1, 50) g`,
  );
  await cluster.query('app', `DELETE FROM notifications WHERE org_id = ${other} AND id % 2 = 0; UPDATE issues SET status = 'open' WHERE org_id = ${other}`);
  await cluster.archiveNow();
  return { at, atT };
}

/** The NDJSON events of a run's stderr (--json). */
export interface LogEvent {
  msg: string;
  event?: string;
  step?: string;
  done?: number;
  total?: number;
  end?: boolean;
  lsn?: string;
  targetLsn?: string;
}

export function events(stderr: string): LogEvent[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogEvent);
}
