/**
 * Moving staged rows (temporary tables loaded from the archive's INSERTs) into the tenant's
 * tables, inside the restore's one transaction. MySQL and MariaDB have no way to switch triggers
 * off for a session, so the restore writes only what differs: a row that already holds its
 * archived values is never written, and its triggers never fire.
 *
 * replace: per table in load order, rows whose values differ are updated in place and missing
 *   ones inserted; then, children first, the tenant's rows not in the archive are deleted. A table
 *   without a primary key is left alone when it holds the archived rows (as a multiset), else the
 *   tenant's rows are deleted and the archived ones inserted. An archived key held by another
 *   tenant's row stops the restore.
 * merge: rows are updated and inserted as in replace, and nothing is deleted: the tenant's rows
 *   that are not in the archive are kept (tables without a primary key were refused before).
 * skip: only rows whose key is missing are inserted. fail: all staged rows are inserted.
 * Values are compared as bytes (CAST AS BINARY): a case-insensitive collation must not hide a change.
 */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { OrgbackupError, ExitCode } from '../../../errors.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { quoteMysqlIdent as q } from '../connection.js';
import { columnList, tenantPredicate } from './sql.js';

export interface StagedTable {
  table: PlannedTable;
  /** Quoted name of the temporary table holding the archived rows. */
  stage: string;
}

export type Conflict = 'replace' | 'merge' | 'skip' | 'fail';

/** A temporary table with the table's (non-generated) columns, keyed like it; no rows. */
/** What a staging table is made from: a planned table, or a table of outside rows (outside-restore.ts). */
export type StageShape = Pick<PlannedTable, 'name' | 'columns' | 'primaryKey'>;

export async function createStage<T extends StageShape>(client: mysql.Connection, table: T, index: number): Promise<{ table: T; stage: string }> {
  const stage = q(`ob_stage_${index}`);
  const key = table.primaryKey.length > 0 ? `(PRIMARY KEY (${columnList(table.primaryKey)})) ` : '';
  // CREATE TEMPORARY TABLE does not commit the transaction (unlike other DDL); LIKE would refuse a partitioned table.
  await client.query(`CREATE TEMPORARY TABLE ${stage} ${key}SELECT ${columnList(table.columns)} FROM ${q(table.name)} WHERE 1 = 0`);
  return { table, stage };
}

const same = (columns: readonly string[], a: string, b: string) => columns.map((c) => `CAST(${a}.${q(c)} AS BINARY) <=> CAST(${b}.${q(c)} AS BINARY)`).join(' AND ');
const keyMatch = (t: PlannedTable, a: string, b: string) => t.primaryKey.map((c) => `${a}.${q(c)} = ${b}.${q(c)}`).join(' AND ');
const selectStaged = (s: StagedTable) => `SELECT ${s.table.columns.map((c) => `s.${q(c)}`).join(', ')} FROM ${s.stage} s`;

export async function applyStaged(client: mysql.Connection, plan: RowsPlan, staged: StagedTable[], conflict: Conflict, literal: string): Promise<void> {
  for (const s of staged) {
    const t = s.table;
    const into = `INSERT INTO ${q(t.name)} (${columnList(t.columns)}) `;
    if (conflict === 'fail') await client.query(into + selectStaged(s));
    else if (conflict === 'skip')
      await client.query(
        `INSERT IGNORE INTO ${q(t.name)} (${columnList(t.columns)}) ${selectStaged(s)} WHERE NOT EXISTS (SELECT 1 FROM ${q(t.name)} t WHERE ${t.primaryKey.length > 0 ? keyMatch(t, 't', 's') : same(t.columns, 't', 's')})`,
      );
    else if (conflict === 'merge') await upsertKeyed(client, plan, s, literal);
    else if (t.primaryKey.length === 0) await replaceUnkeyed(client, plan, s, literal);
    else await upsertKeyed(client, plan, s, literal);
  }
  if (conflict !== 'replace') return;
  for (const { table: t, stage } of [...staged].reverse()) {
    if (t.primaryKey.length === 0) continue;
    await client.query(`DELETE FROM ${q(t.name)} WHERE ${tenantPredicate(plan, t, literal)} AND NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(t, 's', q(t.name))})`);
  }
}

async function upsertKeyed(client: mysql.Connection, plan: RowsPlan, s: StagedTable, literal: string): Promise<void> {
  const t = s.table;
  const stagedKey = `(${t.primaryKey.map((c) => `s.${q(c)}`).join(', ')})`;
  const [clash] = await client.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${s.stage} s WHERE EXISTS (SELECT 1 FROM ${q(t.name)} t WHERE ${keyMatch(t, 't', 's')}) AND ${stagedKey} NOT IN (SELECT ${columnList(t.primaryKey)} FROM ${q(t.name)} WHERE ${tenantPredicate(plan, t, literal)})`,
  );
  const clashes = Number(clash[0]?.n ?? 0);
  if (clashes > 0) {
    throw new OrgbackupError(`${clashes} archived row(s) of ${t.name} have primary keys now held by rows of another tenant; nothing was restored`, ExitCode.failed, {
      hint: 'those ids were reused after the backup; restore into another database with --target to inspect, or use --conflict skip to keep the existing rows',
    });
  }
  const others = t.columns.filter((c) => !t.primaryKey.includes(c));
  if (others.length > 0) {
    await client.query(`UPDATE ${q(t.name)} t JOIN ${s.stage} s ON ${keyMatch(t, 't', 's')} SET ${others.map((c) => `t.${q(c)} = s.${q(c)}`).join(', ')} WHERE NOT (${same(others, 't', 's')})`);
  }
  await client.query(`INSERT INTO ${q(t.name)} (${columnList(t.columns)}) ${selectStaged(s)} WHERE NOT EXISTS (SELECT 1 FROM ${q(t.name)} t WHERE ${keyMatch(t, 't', 's')})`);
}

/** Rows without a key: untouched when the tenant's rows equal the archived ones as a multiset. */
async function replaceUnkeyed(client: mysql.Connection, plan: RowsPlan, s: StagedTable, literal: string): Promise<void> {
  const t = s.table;
  const bytes = t.columns.map((c, i) => `CAST(${q(c)} AS BINARY) AS k${i}`).join(', ');
  const keys = t.columns.map((_, i) => `k${i}`).join(', ');
  const groups = (from: string, where: string) => `(SELECT ${keys}, COUNT(*) AS n FROM (SELECT ${bytes} FROM ${from}${where}) x GROUP BY ${keys})`;
  const mine = groups(q(t.name), ` WHERE ${tenantPredicate(plan, t, literal)}`);
  const archived = groups(s.stage, '');
  const match = t.columns.map((_, i) => `a.k${i} <=> b.k${i}`).join(' AND ');
  const unmatched = (a: string, b: string) => `SELECT 1 FROM ${a} a LEFT JOIN ${b} b ON ${match} AND a.n = b.n WHERE b.n IS NULL`;
  // Two queries: MySQL cannot open one temporary table twice in a statement.
  for (const [a, b] of [
    [mine, archived],
    [archived, mine],
  ] as const) {
    const [rows] = await client.query<RowDataPacket[]>(`${unmatched(a, b)} LIMIT 1`);
    if (rows.length > 0) return reloadUnkeyed(client, plan, s, literal);
  }
}

async function reloadUnkeyed(client: mysql.Connection, plan: RowsPlan, s: StagedTable, literal: string): Promise<void> {
  const t = s.table;
  await client.query(`DELETE FROM ${q(t.name)} WHERE ${tenantPredicate(plan, t, literal)}`);
  await client.query(`INSERT INTO ${q(t.name)} (${columnList(t.columns)}) ${selectStaged(s)}`);
}
