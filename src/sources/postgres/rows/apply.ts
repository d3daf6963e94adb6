/**
 * Moving staged rows (temp tables loaded from the archive) into the tenant's tables, inside the
 * restore's one transaction, for each --conflict mode. Statements run per table in load order
 * (parents first); stale rows go in reverse order (children first).
 *
 * replace: the tenant's rows become exactly the archived ones. Archived rows are upserted (rows
 *   that already hold the archived values are left alone, so their triggers do not fire and rows of
 *   other tenants that reference them never see them disappear); then the tenant's rows that are
 *   not in the archive are deleted. In tables without a primary key only the copies of rows that
 *   differ are deleted or inserted. An archived key held by another tenant's row stops the restore.
 * merge: archived rows are upserted as in replace, and nothing is deleted: the tenant's rows that
 *   are not in the archive are kept (tables without a primary key were refused before).
 * skip: existing rows are kept, missing ones added.
 * fail: stops before loading when the tenant has any row in the restored tables.
 */
import type pg from 'pg';
import { OrgbackupError, ExitCode } from '../../../errors.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { quoteIdent } from '../catalog.js';
import { columnList, keyEquals, rowText, tableRef, tenantPredicate } from './sql.js';

export interface StagedTable {
  table: PlannedTable;
  /** Quoted name of the temp table holding the archived rows. */
  stage: string;
}

export type Conflict = 'replace' | 'merge' | 'skip' | 'fail';

export async function applyStaged(client: pg.Client, plan: RowsPlan, staged: StagedTable[], conflict: Conflict, literal: string): Promise<void> {
  if (conflict === 'fail') await refuseExistingRows(client, plan, staged, literal);
  for (const s of staged) {
    if (conflict === 'replace' || conflict === 'merge') await replaceTable(client, plan, s, literal);
    else await insertStaged(client, s, conflict === 'skip');
  }
  if (conflict !== 'replace') return;
  for (const s of [...staged].reverse()) {
    if (s.table.primaryKey.length === 0) continue;
    const t = s.table;
    await client.query(`DELETE FROM ${tableRef(t)} t WHERE ${tenantPredicate(plan, t, 't', literal)} AND NOT EXISTS (SELECT 1 FROM ${s.stage} s WHERE ${keyEquals(t.primaryKey, 's', 't')})`);
  }
}

async function replaceTable(client: pg.Client, plan: RowsPlan, s: StagedTable, literal: string): Promise<void> {
  const t = s.table;
  if (t.primaryKey.length === 0) {
    await replaceUnkeyed(client, plan, s, literal);
    return;
  }
  const foreign = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${tableRef(t)} t JOIN ${s.stage} s ON ${keyEquals(t.primaryKey, 's', 't')} WHERE (${tenantPredicate(plan, t, 't', literal)}) IS NOT TRUE`,
  );
  const clashes = Number(foreign.rows[0]?.n ?? 0);
  if (clashes > 0) {
    throw new OrgbackupError(`${clashes} archived row(s) of ${t.table} have primary keys now held by rows of another tenant; nothing was restored`, ExitCode.failed, {
      hint: 'those ids were reused after the backup; restore into another database with --target to inspect, or use --conflict skip to keep the existing rows',
    });
  }
  const others = t.columns.filter((c) => !t.primaryKey.includes(c));
  const action =
    others.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${others.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')} WHERE ${rowText(t.columns, 't')} IS DISTINCT FROM ${rowText(t.columns, 'EXCLUDED')}`;
  await client.query(
    `INSERT INTO ${tableRef(t)} AS t (${columnList(t.columns)}) OVERRIDING SYSTEM VALUE SELECT ${columnList(t.columns)} FROM ${s.stage} ON CONFLICT (${columnList(t.primaryKey)}) ${action}`,
  );
}

/**
 * A table without a primary key is a multiset of rows: the n-th copy of a row's values on one
 * side matches the n-th copy on the other. Copies the archive lacks are deleted, copies the target
 * lacks inserted; matching rows are not written. (tableoid, ctid) names a row in a partition tree.
 */
async function replaceUnkeyed(client: pg.Client, plan: RowsPlan, s: StagedTable, literal: string): Promise<void> {
  const t = s.table;
  const numbered = (from: string, alias: string, where = '') =>
    `(SELECT ${alias}.tableoid AS rel, ${alias}.ctid AS id, ${rowText(t.columns, alias)} AS r, row_number() OVER (PARTITION BY ${rowText(t.columns, alias)}) AS n FROM ${from} ${alias}${where})`;
  const current = numbered(tableRef(t), 't', ` WHERE ${tenantPredicate(plan, t, 't', literal)}`);
  const archived = numbered(s.stage, 's');
  await client.query(`DELETE FROM ${tableRef(t)} t USING ${current} c WHERE t.tableoid = c.rel AND t.ctid = c.id AND NOT EXISTS (SELECT 1 FROM ${archived} a WHERE a.r = c.r AND a.n = c.n)`);
  await client.query(
    `INSERT INTO ${tableRef(t)} (${columnList(t.columns)}) OVERRIDING SYSTEM VALUE SELECT ${columnList(t.columns, 's')} FROM ${s.stage} s JOIN ${archived} a ON a.rel = s.tableoid AND a.id = s.ctid
      WHERE NOT EXISTS (SELECT 1 FROM ${current} c WHERE c.r = a.r AND c.n = a.n)`,
  );
}

async function insertStaged(client: pg.Client, s: StagedTable, skipExisting: boolean): Promise<void> {
  const t = s.table;
  const columns = columnList(t.columns);
  let tail = '';
  if (skipExisting) {
    tail = t.primaryKey.length > 0 ? ' ON CONFLICT DO NOTHING' : ` WHERE NOT EXISTS (SELECT 1 FROM ${tableRef(t)} t WHERE ${rowText(t.columns, 't')} = ${rowText(t.columns, 's')})`;
  }
  await client.query(`INSERT INTO ${tableRef(t)} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columnList(t.columns, 's')} FROM ${s.stage} s${tail}`);
}

async function refuseExistingRows(client: pg.Client, plan: RowsPlan, staged: StagedTable[], literal: string): Promise<void> {
  const found: string[] = [];
  for (const { table: t } of staged) {
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableRef(t)} t WHERE ${tenantPredicate(plan, t, 't', literal)}`);
    const n = Number(res.rows[0]?.n ?? 0);
    if (n > 0) found.push(`${t.table} (${n})`);
  }
  if (found.length > 0) {
    throw new OrgbackupError(`--conflict fail: the tenant already has rows in ${found.join(', ')}; nothing was restored`, ExitCode.failed, {
      hint: 'use --conflict replace to replace them, --conflict skip to keep them and add the missing ones, or --target to restore elsewhere',
    });
  }
}
