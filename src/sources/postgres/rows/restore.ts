/**
 * Rows mode restore of one tenant, in ONE transaction on one connection: the manifest's plan must
 * fit the target's catalog (plan-check.ts), each archived table is streamed (COPY FROM STDIN) into
 * a temp staging table whose every row must be the tenant's (stage.ts), then applied by --conflict mode (apply.ts),
 * sequences are moved past the restored ids, and everything commits at once. Any failure rolls
 * back: the target is exactly as it was. Constraints that can be deferred are deferred to COMMIT,
 * so rows can arrive in any order within the transaction. The target's user triggers are off for
 * the load and back as they were before COMMIT (triggers.ts): restored rows are the archived ones.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { PostgresSourceConfig } from '../../../config/schema.js';
import type { Sidecar, TableInfo } from '../../../archive/manifest.js';
import { OrgbackupError, ExitCode, UsageError, VerificationError } from '../../../errors.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import type { RestoreContext, RestoreResult, Tenant } from '../../types.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { chooseTables } from '../../rows/subset.js';
import { expandCategories } from '../../rows/categories.js';
import { describeMergeCounts, refuseUnkeyedForMerge, type MergeCount } from '../../rows/merge.js';
import { countMerge } from './merge-count.js';
import { withPgClient, describePg, type PgConnection } from '../connection.js';
import { databaseOf } from '../fingerprint.js';
import { devNull } from '../../../util/streams.js';
import { applyStaged } from './apply.js';
import { blockingCycleKeys, deferrableFixes, describeCycleKeys } from './cycles.js';
import { advanceSequences } from './sequences.js';
import { disableUserTriggers, enabledUserTriggers, restoreTriggers } from './triggers.js';
import { readRowsCatalog } from './catalog.js';
import { assertPlanFitsTarget } from './plan-check.js';
import { assertStagedTenant, stageEntries } from './stage.js';
import { tableRef, tenantPredicate } from './sql.js';
import { describeOutsidePlan, loadOutsideRows, outsideTables, refuseMissingOutside, type OutsideEntries } from './outside-restore.js';
import { CopyCounter, type RowsDetails } from './dump.js';
import { cloneRows } from './clone.js';

export function rowsDetails(sidecar: Sidecar): RowsDetails {
  const details = sidecar.details as Partial<RowsDetails> | undefined;
  if (!details?.plan || !details.entries)
    throw new VerificationError(`archive ${sidecar.id} has no rows plan in its manifest`, { hint: 'it was not made in rows mode; restore it with its own source' });
  return details as RowsDetails;
}

export async function restoreRows(conn: PgConnection, tenant: Tenant, config: PostgresSourceConfig, ctx: RestoreContext): Promise<RestoreResult> {
  const details = rowsDetails(ctx.sidecar);
  const chosen = chooseTables(details.plan, expandCategories(ctx.options.only, details.categories));
  const merging = ctx.options.conflict === 'merge';
  if (merging) refuseUnkeyedForMerge(chosen, (t) => t.table);
  const into = databaseOf(conn, tenant, 'rows', ctx.options.target);
  const target = `rows of tenant ${tenant.id} in ${describePg(into)}`;
  const archived = new Map(ctx.sidecar.tables.map((t) => [t.name, t]));
  const tables: TableInfo[] = chosen.map((t) => archived.get(t.table) ?? { name: t.table, rows: 0 });
  return withPgClient(into, async (client) => {
    const literal = client.escapeLiteral(tenant.id);
    await assertTablesExist(client, chosen, into);
    const schemas = [...new Set(details.plan.tables.map((t) => t.schema))];
    assertPlanFitsTarget(details.plan, chosen, await readRowsCatalog(client, schemas), config.tenants.column ?? details.plan.column, ctx.sidecar.id);
    if (ctx.options.as !== undefined) {
      const cloneTarget = `rows of tenant ${ctx.options.as} (a clone of tenant ${tenant.id}) in ${describePg(into)}`;
      return cloneRows(client, { details, chosen, tables, tenant, target: cloneTarget }, ctx).catch((error: unknown) => {
        throw explainFailure(error, details.plan, true);
      });
    }
    if (ctx.options.dryRun) {
      const planned = await describePlan(client, details.plan, chosen, tables, literal, ctx.options.conflict);
      const described = { ...planned, plan: [...planned.plan, ...describeOutsidePlan(details, ctx.options.target !== undefined)] };
      if (!merging || !ctx.options.countMerge) return { target, tables, ...described };
      const merge = await previewMerge(client, details, chosen, literal, ctx);
      return { target, tables, ...described, plan: [...described.plan, ...describeMergeCounts(merge)], merge };
    }
    let merge: MergeCount[] | undefined;
    await client.query('BEGIN');
    try {
      await client.query('SET CONSTRAINTS ALL DEFERRED');
      const outside: OutsideEntries = new Map();
      const staged = await stageEntries(client, chosen, details, ctx, outside);
      await assertStagedTenant(client, details.plan, staged, literal, details);
      if (merging) merge = await countMerge(client, details.plan, staged, literal);
      const intoOther = ctx.options.target !== undefined;
      if (!intoOther) await refuseMissingOutside(client, details.plan, staged, literal, false);
      const triggers = await disableUserTriggers(client, [...new Set([...chosen, ...(intoOther ? outsideTables(details, outside) : [])])]);
      if (intoOther) {
        await loadOutsideRows(client, details, outside);
        await refuseMissingOutside(client, details.plan, staged, literal, true);
      }
      await applyStaged(client, details.plan, staged, ctx.options.conflict, literal);
      await advanceSequences(client, chosen);
      await restoreTriggers(client, triggers);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw explainFailure(error, details.plan);
    }
    return { target, tables, ...(merge ? { merge } : {}) };
  });
}

/** The merge's counts for a dry run: the entries staged and counted in a transaction rolled back. */
async function previewMerge(client: pg.Client, details: RowsDetails, chosen: PlannedTable[], literal: string, ctx: RestoreContext): Promise<MergeCount[]> {
  await client.query('BEGIN');
  try {
    const staged = await stageEntries(client, chosen, details, ctx);
    await assertStagedTenant(client, details.plan, staged, literal, details);
    return await countMerge(client, details.plan, staged, literal);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

async function assertTablesExist(client: pg.Client, tables: PlannedTable[], into: PgConnection): Promise<void> {
  const res = await client.query<{ t: string }>(`SELECT t FROM unnest($1::text[]) t WHERE to_regclass(t) IS NULL`, [tables.map(tableRef)]);
  if (res.rows.length > 0) {
    throw new UsageError(`the target database ${into.database} lacks table(s) ${res.rows.map((r) => r.t).join(', ')}`, {
      hint: 'rows mode restores into an existing schema: create it first (e.g. pg_dump --schema-only of the source database)',
    });
  }
}

/** The dry run's steps, and the tenant's rows in each table now (for the plan's table). */
async function describePlan(client: pg.Client, plan: RowsPlan, chosen: PlannedTable[], tables: TableInfo[], literal: string, conflict: string): Promise<{ plan: string[]; current: TableInfo[] }> {
  const lines = [`conflict mode ${conflict}, one transaction, tables in load order:`];
  const current: TableInfo[] = [];
  for (const [i, t] of chosen.entries()) {
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableRef(t)} t WHERE ${tenantPredicate(plan, t, 't', literal)}`);
    const rows = Number(res.rows[0]?.n ?? 0);
    current.push({ name: tables[i]?.name ?? t.table, rows });
    lines.push(`${t.table}: ${rows} current row(s) of the tenant, ${tables[i]?.rows ?? 0} archived`);
  }
  if (plan.shared.length > 0) lines.push(`shared tables (not touched): ${plan.shared.join(', ')}`);
  const triggers = await enabledUserTriggers(client, chosen);
  if (triggers.length > 0) lines.push(`user triggers off during the load, then back on: ${triggers.map((t) => `${t.relation}.${t.name}`).join(', ')}`);
  return { plan: lines, current };
}

function explainFailure(error: unknown, plan: RowsPlan, cloning = false): unknown {
  const pgError = error as { code?: string; message?: string; detail?: string; table?: string };
  if (typeof pgError.code !== 'string' || error instanceof OrgbackupError) return error;
  const detail = pgError.detail ? ` (${pgError.detail})` : '';
  return new OrgbackupError(`the rows restore failed and was rolled back, the target is unchanged: ${pgError.message ?? String(error)}${detail}`, ExitCode.failed, {
    rolledBack: true,
    hint:
      cloning && pgError.code === '23505'
        ? CLONE_UNIQUE_HINT
        : pgError.code === '23503'
          ? foreignKeyHint(plan)
          : "the archived rows do not fit the target's constraints; restore into another database with --target to inspect them",
  });
}

/** A clone repeats every value but the keys it rewrites: a UNIQUE column outside them (a slug, an email) clashes with the original in the same database. */
const CLONE_UNIQUE_HINT =
  "--as rewrites only the tenant column, generated keys and references; a UNIQUE column besides them repeats the original tenant's value. Create the new tenant's root row first (the clone attaches to it), or clone into another database with --target";

/**
 * A foreign-key violation with a non-deferrable cycle among the tables: rows of a tenant that is
 * gone from the target cannot be loaded in any order, so the hint names the keys and the fix.
 */
function foreignKeyHint(plan: RowsPlan): string {
  const keys = blockingCycleKeys(plan);
  if (keys.length === 0) return "the archived rows reference rows the target lacks (a shared table's rows?); restore into another database with --target to inspect them";
  return `the foreign keys ${describeCycleKeys(keys)} form a cycle and are not DEFERRABLE, so a tenant missing from the target cannot be loaded in any order; make them deferrable, then restore again: ${deferrableFixes(keys).join(' ')}`;
}

/**
 * Verify level 2 for a rows entry: it decompresses and reads through, and its COPY text has the
 * row count and sha256 the manifest recorded at backup time.
 */
export async function checkRowsEntry(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void> {
  const plain = await decompress(body, compressionOfEntry(name), signal);
  const counter = new CopyCounter();
  await Promise.all([pipeline(plain.stdout, counter, devNull()), plain.done]);
  const entries = (sidecar.details as Partial<RowsDetails> | undefined)?.entries ?? {};
  const table = Object.keys(entries).find((t) => entries[t] === name);
  const info = sidecar.tables.find((t) => t.name === table);
  if (!info) return;
  if (info.rows !== counter.rows || (info.checksum && info.checksum !== counter.sha256)) {
    throw new VerificationError(`archive ${sidecar.id}: ${name} holds ${counter.rows} rows${info.checksum !== counter.sha256 ? ' with another checksum' : ''}, the manifest says ${info.rows}`, {
      hint: 'the archive does not hold what was dumped; use another archive',
    });
  }
}
