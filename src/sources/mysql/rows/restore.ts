/**
 * Rows mode restore of one tenant into a shared MySQL/MariaDB database, in ONE transaction on one
 * connection: the archived rows are checked and staged in temporary tables (stage.ts: only plain
 * INSERTs into the planned tables, only rows of the tenant, under a plan that fits the target's
 * schema), only the rows that differ are written (apply.ts: unchanged rows fire no trigger), every
 * foreign key of the restored tables is checked for the tenant's rows, and only then it commits.
 * Any failure rolls back: the target is exactly as it was.
 * Foreign-key checks are off while loading (MySQL cannot defer them, and tables referencing each
 * other or themselves have no valid order); the explicit check before COMMIT takes their place.
 * AUTO_INCREMENT counters move past restored ids by themselves; triggers fire for the rows written.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { Sidecar, TableInfo } from '../../../archive/manifest.js';
import { OrgbackupError, ExitCode, UsageError, VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import type { RestoreContext, RestoreResult, Tenant } from '../../types.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { chooseTables } from '../../rows/subset.js';
import { expandCategories } from '../../rows/categories.js';
import { describeMergeCounts, refuseUnkeyedForMerge, type MergeCount } from '../../rows/merge.js';
import { countMerge } from './merge-count.js';
import { describeMysql, mysqlTextLiteral, quoteMysqlIdent, withMysql, type MysqlConnection } from '../connection.js';
import { DumpScanner } from '../dump-scanner.js';
import type { MysqlRowsDetails } from './dump.js';
import { readMysqlRowsCatalog } from './catalog.js';
import { applyStaged, type StagedTable } from './apply.js';
import { assertPlanFitsTarget } from './plan-check.js';
import { tenantPredicate } from './sql.js';
import { assertStagedTenant, stageEntries } from './stage.js';
import { describeOutsideRestore } from '../../rows/outside.js';
import { loadOutsideRows, outsideStaging, type OutsideStaging } from './outside-restore.js';
import { checkNewMysqlTenant, insertClone, planMysqlClone } from './clone.js';
import { describeTableClone } from '../../rows/clone.js';

export function mysqlRowsDetails(sidecar: Sidecar): MysqlRowsDetails {
  const details = sidecar.details as Partial<MysqlRowsDetails> | undefined;
  if (!details?.plan || !details.entries)
    throw new VerificationError(`archive ${sidecar.id} has no rows plan in its manifest`, { hint: 'it was not made in rows mode; restore it with its own source' });
  return details as MysqlRowsDetails;
}

const SESSION = ['SET NAMES utf8mb4', "SET SESSION time_zone = '+00:00'", "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'", 'SET SESSION foreign_key_checks = 0'];

/** `column`: the configured tenant column, which the archived plan must filter by. */
export async function restoreMysqlRows(into: MysqlConnection, tenant: Tenant, ctx: RestoreContext, column?: string): Promise<RestoreResult> {
  const details = mysqlRowsDetails(ctx.sidecar);
  const chosen = chooseTables(details.plan, expandCategories(ctx.options.only, details.categories));
  const merging = ctx.options.conflict === 'merge';
  if (merging) refuseUnkeyedForMerge(chosen, (t) => t.name);
  const target = `rows of tenant ${tenant.id} in ${describeMysql(into)}`;
  const archived = new Map(ctx.sidecar.tables.map((t) => [t.name, t]));
  const tables: TableInfo[] = chosen.map((t) => archived.get(t.name) ?? { name: t.name, rows: 0 });
  // Into another database, other tenants' rows the tenant's reference are added where missing.
  const intoOther = ctx.options.target !== undefined;
  const outside = intoOther ? outsideStaging(details, ctx.sidecar.id) : undefined;
  return withMysql(into, async (client) => {
    const literal = mysqlTextLiteral(tenant.id);
    await assertTablesExist(client, chosen, into.database);
    assertPlanFitsTarget(details.plan, chosen, await readMysqlRowsCatalog(client, into.database), column ?? details.plan.column, ctx.sidecar.id);
    if (ctx.options.as !== undefined) return cloneAs(client, { details, chosen, tables, tenant, into, outside }, ctx);
    const current = await currentCounts(client, details.plan, chosen, literal);
    if (ctx.options.dryRun) {
      const now = chosen.map((t, i) => ({ name: tables[i]?.name ?? t.name, rows: current[i] ?? 0 }));
      const plan = [...describePlan(details.plan, chosen, tables, current, ctx.options.conflict), ...describeOutsideRestore(details.outside?.tables ?? [], intoOther)];
      if (!merging || !ctx.options.countMerge) return { target, tables, plan, current: now };
      const merge = await previewMerge(client, details, chosen, literal, ctx);
      return { target, tables, plan: [...plan, ...describeMergeCounts(merge)], current: now, merge };
    }
    if (ctx.options.conflict === 'fail' && current.some((n) => n > 0)) {
      const busy = chosen.filter((_, i) => current[i]! > 0).map((t, i) => `${t.name} (${current[i]})`);
      throw new OrgbackupError(`tenant ${tenant.id} already has rows in ${busy.join(', ')}; --conflict fail restores only into an empty tenant`, ExitCode.failed, {
        hint: 'use --conflict replace (the default) or skip, or restore elsewhere with --target',
      });
    }
    for (const sql of SESSION) await client.query(sql);
    let merge: MergeCount[] | undefined;
    await client.query('START TRANSACTION');
    try {
      const staged = await stageChecked(client, details, chosen, literal, ctx, outside);
      if (outside) await loadOutsideRows(client, outside, ctx.sidecar.id);
      if (merging) merge = await countMerge(client, details.plan, staged, literal);
      await applyStaged(client, details.plan, staged, ctx.options.conflict, literal);
      await checkForeignKeys(client, details.plan, chosen, literal, into.database);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw explainFailure(error);
    }
    return { target, tables, ...(merge ? { merge } : {}) };
  });
}

interface CloneRequest {
  details: MysqlRowsDetails;
  chosen: PlannedTable[];
  tables: TableInfo[];
  tenant: Tenant;
  into: MysqlConnection;
  outside?: OutsideStaging;
}

/** `--as`: the archive loaded as another tenant (clone.ts), staged and checked like a restore, in one transaction. */
async function cloneAs(client: mysql.Connection, request: CloneRequest, ctx: RestoreContext): Promise<RestoreResult> {
  const { details, chosen, tables, tenant, into, outside } = request;
  const asId = ctx.options.as!;
  const target = `rows of tenant ${asId} (a clone of tenant ${tenant.id}) in ${describeMysql(into)}`;
  const clones = await planMysqlClone(client, details.plan, chosen, into.database);
  const newLiteral = mysqlTextLiteral(asId);
  if (ctx.options.dryRun) {
    const { current, attached } = await checkNewMysqlTenant(client, details.plan, chosen, newLiteral, asId);
    const lines = [`clone of tenant ${tenant.id} as tenant ${asId}, one transaction, tables in load order:`];
    clones.forEach((c, i) => lines.push(describeTableClone(c, tables[i]?.rows ?? 0, asId, attached && c.table.role === 'root')));
    return { target, tables, plan: [...lines, ...describeOutsideRestore(details.outside?.tables ?? [], outside !== undefined)], current };
  }
  for (const sql of SESSION) await client.query(sql);
  await client.query('START TRANSACTION');
  try {
    const { attached } = await checkNewMysqlTenant(client, details.plan, chosen, newLiteral, asId);
    const staged = await stageChecked(client, details, chosen, mysqlTextLiteral(tenant.id), ctx, outside);
    if (outside) await loadOutsideRows(client, outside, ctx.sidecar.id);
    const inserted = await insertClone(client, details.plan, clones, staged, newLiteral, attached);
    await checkForeignKeys(client, details.plan, chosen, newLiteral, into.database);
    await client.query('COMMIT');
    return { target, tables: inserted };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw explainFailure(error, true);
  }
}

async function stageChecked(client: mysql.Connection, details: MysqlRowsDetails, chosen: PlannedTable[], literal: string, ctx: RestoreContext, outside?: OutsideStaging): Promise<StagedTable[]> {
  const stages = await stageEntries(client, chosen, details, ctx, outside);
  await assertStagedTenant(client, details.plan, chosen, stages, literal, details);
  return chosen.map((table) => ({ table, stage: stages.get(table.table)! }));
}

/** The merge's counts for a dry run: the entries staged and counted in a transaction rolled back. */
async function previewMerge(client: mysql.Connection, details: MysqlRowsDetails, chosen: PlannedTable[], literal: string, ctx: RestoreContext): Promise<MergeCount[]> {
  for (const sql of SESSION) await client.query(sql);
  await client.query('START TRANSACTION');
  try {
    return await countMerge(client, details.plan, await stageChecked(client, details, chosen, literal, ctx), literal);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * Every foreign key of the restored tables, for the tenant's rows: the referenced row must exist
 * (in a restored table or in a shared one the target already has).
 */
async function checkForeignKeys(client: mysql.Connection, plan: RowsPlan, chosen: PlannedTable[], literal: string, database: string): Promise<void> {
  const catalog = await readMysqlRowsCatalog(client, database);
  const names = new Set(chosen.map((t) => t.name));
  for (const fk of catalog.foreignKeys) {
    const child = chosen.find((t) => `${database}.${t.name}` === fk.table);
    if (!child || !names.has(child.name)) continue;
    const parent = fk.references.slice(database.length + 1);
    const notNull = fk.columns.map((c) => `c.${quoteMysqlIdent(c)} IS NOT NULL`).join(' AND ');
    const match = fk.columns.map((c, i) => `p.${quoteMysqlIdent(fk.referencedColumns[i]!)} = c.${quoteMysqlIdent(c)}`).join(' AND ');
    const [rows] = await client.query<RowDataPacket[]>(
      `SELECT 1 FROM ${quoteMysqlIdent(child.name)} c WHERE ${tenantPredicate(plan, child, literal)} AND ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteMysqlIdent(parent)} p WHERE ${match}) LIMIT 1`,
    );
    if (rows.length > 0) {
      throw new OrgbackupError(`restored rows of ${child.name} reference ${parent} rows that are not there (foreign key ${fk.name})`, ExitCode.failed, {
        hint: `the target lacks rows the archive needs (a shared table, or a table left out with --only); restore into another database with --target to inspect them`,
      });
    }
  }
}

async function assertTablesExist(client: mysql.Connection, tables: PlannedTable[], database: string): Promise<void> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)', [database, tables.map((t) => t.name)]);
  const present = new Set(rows.map((r) => String(r.t)));
  const missing = tables.filter((t) => !present.has(t.name)).map((t) => t.name);
  if (missing.length > 0) {
    throw new UsageError(`the target database ${database} lacks table(s) ${missing.join(', ')}`, {
      hint: 'rows mode restores into an existing schema: create it first (e.g. mysqldump --no-data of the source database)',
    });
  }
}

async function currentCounts(client: mysql.Connection, plan: RowsPlan, chosen: PlannedTable[], literal: string): Promise<number[]> {
  const counts: number[] = [];
  for (const t of chosen) {
    const [rows] = await client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteMysqlIdent(t.name)} WHERE ${tenantPredicate(plan, t, literal)}`);
    counts.push(Number(rows[0]?.n ?? 0));
  }
  return counts;
}

function describePlan(plan: RowsPlan, chosen: PlannedTable[], tables: TableInfo[], current: number[], conflict: string): string[] {
  const lines = [`conflict mode ${conflict}, one transaction, tables in load order:`];
  chosen.forEach((t, i) => lines.push(`${t.name}: ${current[i] ?? 0} current row(s) of the tenant, ${tables[i]?.rows ?? 0} archived`));
  if (plan.shared.length > 0) lines.push(`shared tables (not touched): ${plan.shared.map((s) => s.split('.').pop()).join(', ')}`);
  return lines;
}

function explainFailure(error: unknown, cloning = false): unknown {
  const err = error as { code?: string; sqlMessage?: string; message?: string };
  if (cloning && error instanceof UsageError) return error;
  if (error instanceof OrgbackupError) {
    error.message = `the rows restore failed and was rolled back, the target is unchanged: ${error.message}`;
    return error.markRolledBack();
  }
  if (typeof err.code !== 'string') return error;
  return new OrgbackupError(`the rows restore failed and was rolled back, the target is unchanged: ${err.sqlMessage ?? err.message ?? String(error)}`, ExitCode.failed, {
    rolledBack: true,
    hint:
      cloning && err.code === 'ER_DUP_ENTRY'
        ? "--as rewrites only the tenant column, AUTO_INCREMENT keys and references; a UNIQUE column besides them repeats the original tenant's value. Create the new tenant's root row first (the clone attaches to it), or clone into another database with --target"
        : "the archived rows do not fit the target's tables; restore into another database with --target to inspect them",
  });
}

/**
 * Verify level 2 for a rows entry: it decompresses and reads through to its trailer, and holds
 * the row count and sha256 the manifest recorded at backup time.
 */
export async function checkMysqlRowsEntry(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void> {
  const plain = await decompress(body, compressionOfEntry(name), signal);
  const scanner = new DumpScanner();
  const hash = createHash('sha256');
  const reading = (async () => {
    for await (const chunk of plain.stdout as AsyncIterable<Buffer>) {
      scanner.push(chunk);
      hash.update(chunk);
    }
  })();
  await Promise.all([reading, plain.done]);
  const scan = scanner.end();
  const details = sidecar.details as Partial<MysqlRowsDetails> | undefined;
  const entries = details?.entries ?? {};
  const qualified = Object.keys(entries).find((t) => entries[t] === name);
  const table = details?.plan?.tables.find((t) => t.table === qualified)?.name;
  const info = sidecar.tables.find((t) => t.name === table);
  if (!scan.completed || scan.truncated) throw new VerificationError(`archive ${sidecar.id}: ${name} is truncated (no closing "-- Dump completed" line)`, { hint: DAMAGED_ARCHIVE_HINT });
  if (!info) return;
  const rows = table ? (scan.rows.get(table) ?? 0) : 0;
  const sha = hash.digest('hex');
  if (rows !== info.rows || (info.checksum && info.checksum !== sha)) {
    throw new VerificationError(`archive ${sidecar.id}: ${name} holds ${rows} rows${info.checksum && info.checksum !== sha ? ' with another checksum' : ''}, the manifest says ${info.rows}`, {
      hint: 'the archive does not hold what was dumped; use another archive',
    });
  }
}
