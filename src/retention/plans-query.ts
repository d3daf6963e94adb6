/**
 * Runs `retention.plans.query` (returning `id` and `plan`) on a database source: the one named by
 * `retention.plans.source`, else the only postgres/mysql source of the config. The answer maps
 * tenant ids to plan names for every source, since SaaS tenants usually share one id everywhere
 * (the organizations table, the media directory, the tenant database).
 */
import type { Config } from '../config/schema.js';
import type { Context } from '../context.js';
import { OrgbackupError, UsageError, errorMessage } from '../errors.js';
import { createSource, runsQueries } from '../sources/registry.js';

export async function queryPlans(ctx: Context, query: string): Promise<Map<string, string>> {
  const name = plansSourceName(ctx.config);
  const rows = await queryRowsOf(ctx, name, query);
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
    .filter(([, s]) => runsQueries(s))
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

/** The query's rows through the source's own connection (Source.queryRows), checked for its two columns. */
async function queryRowsOf(ctx: Context, name: string, query: string): Promise<Row[]> {
  const source = await createSource(ctx.config, name, ctx.baseDir);
  try {
    if (!source.queryRows) throw new Error(`internal: source ${name} runs no queries`);
    const rows = await source.queryRows(query).catch((error: unknown) => {
      // A connection problem is already said with its fix; a bad query is the config's.
      if (error instanceof OrgbackupError) throw error;
      throw new UsageError(`retention.plans.query failed on source ${name}: ${errorMessage(error)}`, {
        hint: `run it in the ${source.type} client to check it; it must return "id" and "plan" columns`,
      });
    });
    return checkedRows(rows);
  } finally {
    await source.close();
  }
}

function checkedRows(rows: Row[]): Row[] {
  if (rows.length > 0 && !('id' in rows[0]! && 'plan' in rows[0])) {
    throw new UsageError('retention.plans.query must return "id" and "plan" columns', { hint: 'alias them: SELECT org_id AS id, tier AS plan FROM organizations' });
  }
  return rows;
}
