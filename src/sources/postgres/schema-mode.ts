/**
 * Tenant mode `schema`: one tenant is one schema. The dump is the whole-database path with
 * `pg_dump --schema="<name>"` (quoted, so the name is matched literally, never as a pattern).
 *
 * The restore is atomic: pg_restore turns the archive into an SQL script that psql runs inside
 * one explicit transaction, between a preamble that moves the current schema aside (renamed to a
 * hold name) and a postamble that drops it, or, with --target, renames the restored schema to the
 * new name and puts the original back. COMMIT is sent only after pg_restore has succeeded and the
 * entry matched its sha256 (script-restore.ts); any failure ends the session without it, so the server rolls everything back and the old schema
 * is untouched.
 */
import { randomBytes } from 'node:crypto';
import type { PostgresSourceConfig } from '../../config/schema.js';
import { ExitCode, OrgbackupError, UsageError, VerificationError, DAMAGED_ARCHIVE_HINT } from '../../errors.js';
import type { DumpContext, DumpResult, RestoreContext, RestoreResult, Tenant } from '../types.js';
import { quoteIdent } from './catalog.js';
import { describePg, withPgClient, type PgConnection } from './connection.js';
import { runRestoreScript } from './script-restore.js';
import { dumpWholeDatabase, PG_DUMP_ENTRY } from './whole-database.js';

/** pg_dump's -n takes a pattern; inside double quotes every character is literal. */
export function literalSchemaPattern(schema: string): string {
  return `"${schema.replace(/"/g, '""')}"`;
}

export async function dumpSchema(conn: PgConnection, tenant: Tenant, config: PostgresSourceConfig, ctx: DumpContext): Promise<DumpResult> {
  const result = await dumpWholeDatabase(conn, config.tools, ctx, [`--schema=${literalSchemaPattern(tenant.id)}`], [tenant.id]);
  return { ...result, details: { ...result.details, schema: tenant.id } };
}

async function schemaExists(conn: PgConnection, schema: string): Promise<boolean> {
  return withPgClient(conn, async (client) => ((await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount ?? 0) > 0);
}

/** The SQL around pg_restore's script: what makes the swap atomic. */
export function swapStatements(schema: string, into: string, existed: boolean, hold: string): { preamble: string; postamble: string } {
  const s = quoteIdent(schema);
  const h = quoteIdent(hold);
  const pre = ['BEGIN;', ...(existed ? [`ALTER SCHEMA ${s} RENAME TO ${h};`] : [])];
  const post: string[] = [];
  if (into !== schema) {
    post.push(`ALTER SCHEMA ${s} RENAME TO ${quoteIdent(into)};`);
    if (existed) post.push(`ALTER SCHEMA ${h} RENAME TO ${s};`);
  } else if (existed) {
    post.push(`DROP SCHEMA ${h} CASCADE;`);
  }
  post.push('COMMIT;');
  return { preamble: pre.join('\n') + '\n', postamble: '\n' + post.join('\n') + '\n' };
}

export async function restoreSchema(conn: PgConnection, tenant: Tenant, config: PostgresSourceConfig, ctx: RestoreContext): Promise<RestoreResult> {
  const schema = (ctx.sidecar.details?.schema as string | undefined) ?? tenant.id;
  const into = ctx.options.target ?? schema;
  if (into === '' || into.startsWith('pg_') || into.length > 63) {
    throw new UsageError(`--target "${into}" is not a usable schema name`, { hint: 'use a name of at most 63 bytes that does not start with pg_' });
  }
  const existed = await schemaExists(conn, schema);
  if (into !== schema && (await schemaExists(conn, into))) {
    throw new UsageError(`--target: schema "${into}" already exists in ${describePg(conn)}`, { hint: 'choose a new schema name, or drop that schema first' });
  }
  const target = `schema ${into} in ${describePg(conn)}`;
  const verb =
    into !== schema ? `create schema ${into} from the archive of ${schema} (${schema} is left as it is)` : existed ? `replace schema ${schema} in one transaction` : `create schema ${schema}`;
  const plan = [verb, ...ctx.sidecar.tables.map((t) => `load ${t.name}: ${t.rows} rows`)];
  if (ctx.options.dryRun) return { target, tables: ctx.sidecar.tables, plan };
  for await (const entry of ctx.entries) {
    if (!entry.name.startsWith(PG_DUMP_ENTRY)) {
      for await (const _ of entry.body) void _;
      continue;
    }
    const hold = `ob_hold_${randomBytes(6).toString('hex')}`;
    await runScript(conn, config.tools, entry, swapStatements(schema, into, existed, hold), ctx);
    return { target, tables: ctx.sidecar.tables };
  }
  throw new VerificationError(`archive ${ctx.sidecar.id} holds no ${PG_DUMP_ENTRY} entry`, { hint: DAMAGED_ARCHIVE_HINT });
}

async function runScript(
  conn: PgConnection,
  tools: Record<string, string>,
  entry: { name: string; body: AsyncIterable<Buffer> },
  swap: { preamble: string; postamble: string },
  ctx: RestoreContext,
): Promise<void> {
  try {
    await runRestoreScript(conn, tools, { entry, ...swap }, ctx);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (error instanceof VerificationError) {
      error.message = `the schema restore was rolled back, the database is unchanged: ${error.message}`;
      throw error.markRolledBack();
    }
    throw new OrgbackupError(`the schema restore failed and was rolled back, the database is unchanged: ${(error as Error).message}`, ExitCode.failed, {
      rolledBack: true,
      hint: 'read the error above; --target <new schema name> restores beside the current schema to inspect the archive',
    });
  }
}
