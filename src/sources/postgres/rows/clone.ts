/**
 * `restore --as <new tenant id>` on PostgreSQL (rows/clone.ts says what is rewritten), in ONE
 * transaction: the archive is staged and checked as by every rows restore (stage.ts), each staged
 * table is copied into a second temp table where the tenant column, the sequence-fed keys and the
 * foreign keys between archived rows get their new values (the first copy keeps the old ones, so
 * each reference is followed by its old key to the new key of the row it pointed at), then the
 * rewritten rows are inserted, parents first, and everything commits at once or not at all.
 */
import type pg from 'pg';
import type { TableInfo } from '../../../archive/manifest.js';
import type { RestoreContext, RestoreResult, Tenant } from '../../types.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { describeTableClone, needsSecondPass, planClone, refuseOccupiedTenant, type GeneratedColumn, type TableClone } from '../../rows/clone.js';
import { quoteIdent } from '../catalog.js';
import type { StagedTable } from './apply.js';
import type { RowsDetails } from './dump.js';
import { describeOutsidePlan, loadOutsideRows, outsideTables, refuseMissingOutside, type OutsideEntries } from './outside-restore.js';
import { advanceSequences, sequenceColumns } from './sequences.js';
import { assertStagedTenant, stageEntries } from './stage.js';
import { columnList, tableRef, tenantPredicate } from './sql.js';
import { disableUserTriggers, restoreTriggers } from './triggers.js';

export interface CloneRequest {
  details: RowsDetails;
  chosen: PlannedTable[];
  /** The archive's row counts of the chosen tables. */
  tables: TableInfo[];
  /** The archive's tenant (the rows are checked to be its own before they are rewritten). */
  tenant: Tenant;
  target: string;
}

export async function cloneRows(client: pg.Client, request: CloneRequest, ctx: RestoreContext): Promise<RestoreResult> {
  const { details, chosen, tables, target } = request;
  const asId = ctx.options.as!;
  const clones = planClone(details.plan, chosen, await generatedColumns(client, chosen));
  const newLiteral = client.escapeLiteral(asId);
  if (ctx.options.dryRun) {
    const { current, attached } = await checkNewTenant(client, details.plan, chosen, newLiteral, asId);
    const lines = [`clone of tenant ${request.tenant.id} as tenant ${asId}, one transaction, tables in load order:`];
    clones.forEach((c, i) => lines.push(describeTableClone(c, tables[i]?.rows ?? 0, asId, attached && c.table.role === 'root')));
    lines.push(...describeOutsidePlan(details, ctx.options.target !== undefined));
    return { target, tables, plan: lines, current };
  }
  await client.query('BEGIN');
  try {
    await client.query('SET CONSTRAINTS ALL DEFERRED');
    const { attached } = await checkNewTenant(client, details.plan, chosen, newLiteral, asId);
    const inserted = await stageAndInsert(client, request, clones, attached, ctx);
    await client.query('COMMIT');
    return { target, tables: inserted };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function stageAndInsert(client: pg.Client, request: CloneRequest, clones: TableClone[], attached: boolean, ctx: RestoreContext): Promise<TableInfo[]> {
  const { details, chosen } = request;
  const oldLiteral = client.escapeLiteral(request.tenant.id);
  const intoOther = ctx.options.target !== undefined;
  const outside: OutsideEntries = new Map();
  const staged = await stageEntries(client, chosen, details, ctx, outside);
  await assertStagedTenant(client, details.plan, staged, oldLiteral, details);
  if (!intoOther) await refuseMissingOutside(client, details.plan, staged, oldLiteral, false);
  const triggers = await disableUserTriggers(client, [...new Set([...chosen, ...(intoOther ? outsideTables(details, outside) : [])])]);
  if (intoOther) {
    await loadOutsideRows(client, details, outside);
    await refuseMissingOutside(client, details.plan, staged, oldLiteral, true);
  }
  // New keys are drawn past every key there now, the outside rows just added included.
  await advanceSequences(client, chosen);
  const rewritten = await rewriteKeys(client, details.plan, clones, staged, client.escapeLiteral(ctx.options.as!));
  const inserted: TableInfo[] = [];
  for (const [i, c] of clones.entries()) {
    const t = c.table;
    if (attached && t.role === 'root') {
      inserted.push({ name: t.table, rows: 0 });
      continue;
    }
    const res = await client.query(`INSERT INTO ${tableRef(t)} (${columnList(t.columns)}) OVERRIDING SYSTEM VALUE SELECT ${columnList(t.columns)} FROM ${rewritten[i]!}`);
    inserted.push({ name: t.table, rows: res.rowCount ?? 0 });
  }
  await advanceSequences(client, chosen);
  await restoreTriggers(client, triggers);
  return inserted;
}

/**
 * The tenant's rows in each chosen table now: any refuses the clone, except the root table's row
 * of the new tenant, which the clone attaches to (the application may have created the tenant).
 */
async function checkNewTenant(client: pg.Client, plan: RowsPlan, chosen: PlannedTable[], literal: string, asId: string): Promise<{ current: TableInfo[]; attached: boolean }> {
  const current: TableInfo[] = [];
  for (const t of chosen) {
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableRef(t)} t WHERE ${tenantPredicate(plan, t, 't', literal)}`);
    current.push({ name: t.table, rows: Number(res.rows[0]?.n ?? 0) });
  }
  const root = chosen.find((t) => t.role === 'root')?.table;
  const attached = current.some((c) => c.name === root && c.rows > 0);
  refuseOccupiedTenant(
    asId,
    current.filter((c) => c.name !== root).map((c) => ({ table: c.name, rows: c.rows })),
  );
  return { current, attached };
}

/** Per chosen table, its columns fed by a sequence or identity. */
async function generatedColumns(client: pg.Client, chosen: PlannedTable[]): Promise<Map<string, GeneratedColumn[]>> {
  const out = new Map<string, GeneratedColumn[]>();
  for (const t of chosen) out.set(t.table, await sequenceColumns(client, t));
  return out;
}

/**
 * Copies each staged table into a temp table with the new values; returns their names, in the
 * order of `clones`. Both copies carry a row number (ob_row) that pairs a row's old and new values.
 */
async function rewriteKeys(client: pg.Client, plan: RowsPlan, clones: TableClone[], staged: StagedTable[], newLiteral: string): Promise<string[]> {
  const rewritten = new Map<string, { old: string; fresh: string }>();
  for (const [i, c] of clones.entries()) {
    const old = staged[i]!.stage;
    const fresh = `"ob_clone_${i}"`;
    await client.query(`ALTER TABLE ${old} ADD COLUMN ob_row bigint GENERATED ALWAYS AS IDENTITY`);
    await client.query(`CREATE TEMP TABLE ${fresh} ON COMMIT DROP AS SELECT * FROM ${old}`);
    await client.query(`CREATE UNIQUE INDEX ON ${fresh} (ob_row)`);
    if (c.tenantColumns.length > 0) await client.query(`UPDATE ${fresh} SET ${c.tenantColumns.map((col) => `${quoteIdent(col)} = ${newLiteral}`).join(', ')}`);
    for (const g of c.generated) {
      const col = quoteIdent(g.column);
      // New keys are drawn in the order of the old ones, so the clone's rows keep their order.
      await client.query(
        `UPDATE ${fresh} n SET ${col} = v.key FROM (SELECT o.ob_row, nextval($1::regclass) AS key FROM (SELECT ob_row FROM ${fresh} WHERE ${col} IS NOT NULL ORDER BY ${col}, ob_row) o) v WHERE n.ob_row = v.ob_row`,
        [g.sequence],
      );
    }
    await client.query(`ANALYZE ${old}; ANALYZE ${fresh}`);
    rewritten.set(c.table.table, { old, fresh });
  }
  for (let pass = needsSecondPass(plan) ? 2 : 1; pass > 0; pass--) {
    for (const c of clones) for (const fk of c.foreignKeys) await remapForeignKey(client, fk, rewritten.get(fk.table)!, rewritten.get(fk.references)!);
  }
  return clones.map((c) => rewritten.get(c.table.table)!.fresh);
}

/**
 * A reference to an archived row takes that row's new key: the old values (o) find the parent's old
 * row (op), whose row number gives its new values (np). References to rows outside the archive
 * match no staged parent and keep their key.
 */
async function remapForeignKey(client: pg.Client, fk: TableClone['foreignKeys'][number], child: { old: string; fresh: string }, parent: { old: string; fresh: string }): Promise<void> {
  const set = fk.columns.map((c, i) => `${quoteIdent(c)} = np.${quoteIdent(fk.referencedColumns[i]!)}`).join(', ');
  const match = fk.columns.map((c, i) => `op.${quoteIdent(fk.referencedColumns[i]!)} = o.${quoteIdent(c)}`).join(' AND ');
  await client.query(`UPDATE ${child.fresh} n SET ${set} FROM ${child.old} o, ${parent.old} op, ${parent.fresh} np WHERE o.ob_row = n.ob_row AND ${match} AND np.ob_row = op.ob_row`);
}
