/**
 * Runs `retention.plans.query` (returning `id` and `plan`) on a database source: the one named by
 * `retention.plans.source`, else the only postgres/mysql source of the config. The answer maps
 * tenant ids to plan names for every source, since SaaS tenants usually share one id everywhere
 * (the organizations table, the media directory, the tenant database).
 */
import type { Config, MysqlSourceConfig, PostgresSourceConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
import type { Context } from '../context.js';
import { OrgbackupError, UsageError, errorMessage } from '../errors.js';
import { registerSecret } from '../redact.js';
import { parsePgUrl, withPgClient } from '../sources/postgres/connection.js';
import { hostOfUrl } from '../util/url-host.js';

export async function queryPlans(ctx: Context, query: string): Promise<Map<string, string>> {
  const name = plansSourceName(ctx.config);
  const source = ctx.config.sources[name]!;
  const rows = source.type === 'postgres' ? await postgresRows(name, source, query) : await mysqlRows(name, source as MysqlSourceConfig, query);
  const plans = new Map<string, string>();
  for (const row of rows) {
    if (typeof row.plan === 'string' || typeof row.plan === 'number') plans.set(String(row.id), String(row.plan));
  }
  ctx.log.debug(`retention.plans.query on source ${name}: ${plans.size} tenants with a plan`);
  return plans;
}

function plansSourceName(config: Config): string {
  const named = config.retention?.plans?.source;
  const databases = Object.entries(config.sources)
    .filter(([, s]) => s.type === 'postgres' || s.type === 'mysql')
    .map(([n]) => n);
  if (named) {
    if (!databases.includes(named)) {
      throw new UsageError(`retention.plans.source: "${named}" is not a postgres or mysql source`, { hint: `database sources in the config: ${databases.join(', ') || 'none'}` });
    }
    return named;
  }
  if (databases.length !== 1) {
    throw new UsageError(`retention.plans.query needs retention.plans.source: the config has ${databases.length} database sources`, {
      hint: `name the source that holds the plans: ${databases.join(', ') || 'add a postgres or mysql source'}`,
    });
  }
  return databases[0]!;
}

type Row = Record<string, unknown>;

async function postgresRows(name: string, source: PostgresSourceConfig, query: string): Promise<Row[]> {
  const conn = parsePgUrl(source.url, `sources.${name}.url`);
  const password = await resolveSecret(source.password, source.passwordFile, `sources.${name}.passwordFile`);
  const rows = await withPgClient(password !== undefined ? { ...conn, password } : conn, async (client) => {
    const res = await client.query<Row>(query).catch((error: unknown) => {
      throw new UsageError(`retention.plans.query failed on source ${name}: ${errorMessage(error)}`, { hint: 'run it in psql to check it; it must return "id" and "plan" columns' });
    });
    return res.rows;
  });
  return checkedRows(rows);
}

async function mysqlRows(name: string, source: MysqlSourceConfig, query: string): Promise<Row[]> {
  const url = new URL(source.url);
  const password = (await resolveSecret(source.password, source.passwordFile, `sources.${name}.passwordFile`)) ?? (url.password ? decodeURIComponent(url.password) : undefined);
  registerSecret(password);
  const mysql = await import('mysql2/promise');
  const connection = await mysql
    .createConnection({
      host: hostOfUrl(url) || '127.0.0.1',
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username) || 'root',
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
      ...(password !== undefined ? { password } : {}),
      connectTimeout: 10_000,
    })
    .catch((error: unknown) => {
      throw new OrgbackupError(`cannot connect to MySQL for retention.plans.query (source ${name}): ${errorMessage(error)}`, undefined, {
        hint: 'check the source URL and password; `orgbackup preflight` checks the connection',
      });
    });
  try {
    const [rows] = await connection.query(query).catch((error: unknown) => {
      throw new UsageError(`retention.plans.query failed on source ${name}: ${errorMessage(error)}`, { hint: 'run it in the mysql client to check it; it must return "id" and "plan" columns' });
    });
    if (!Array.isArray(rows)) throw new UsageError('retention.plans.query did not return rows', { hint: 'it must be a SELECT returning "id" and "plan" columns' });
    return checkedRows(rows as Row[]);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

function checkedRows(rows: Row[]): Row[] {
  if (rows.length > 0 && !('id' in rows[0]! && 'plan' in rows[0])) {
    throw new UsageError('retention.plans.query must return "id" and "plan" columns', { hint: 'alias them: SELECT org_id AS id, tier AS plan FROM organizations' });
  }
  return rows;
}
