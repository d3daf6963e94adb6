/**
 * `restore --as <new tenant id>` on MySQL/MariaDB (rows/clone.ts says what is rewritten), inside the
 * rows restore's one transaction (restore.ts runs it). Each staged table is numbered into a first
 * temporary copy (ob_old_N: the old values, one row number per row) and a second (ob_clone_N) where
 * the tenant column, the AUTO_INCREMENT keys and the references get their new values; a reference
 * is followed through a third table per foreign key pairing the parent's old and new key (MySQL
 * cannot open one temporary table twice in a statement, which a self-reference would need).
 */
import type mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { TableInfo } from '../../../archive/manifest.js';
import { needsSecondPass, planClone, refuseOccupiedTenant, type GeneratedColumn, type TableClone } from '../../rows/clone.js';
import type { PlanForeignKey, PlannedTable, RowsPlan } from '../../rows/plan.js';
import { quoteMysqlIdent as q } from '../connection.js';
import type { StagedTable } from './apply.js';
import { columnList, tenantPredicate } from './sql.js';

/** The clone's rewrites per chosen table, with the target's AUTO_INCREMENT columns. */
export async function planMysqlClone(client: mysql.Connection, plan: RowsPlan, chosen: PlannedTable[], database: string): Promise<TableClone[]> {
  const [rows] = await client.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) AND EXTRA LIKE '%auto_increment%'",
    [database, chosen.map((t) => t.name)],
  );
  const generated = new Map<string, GeneratedColumn[]>();
  for (const t of chosen)
    generated.set(
      t.table,
      rows.filter((r) => String(r.t) === t.name).map((r) => ({ column: String(r.c) })),
    );
  return planClone(plan, chosen, generated);
}

/**
 * The new tenant's rows in each chosen table now: any refuses the clone, except its row in the root
 * table, which the clone attaches to (the application may have created the tenant).
 */
export async function checkNewMysqlTenant(client: mysql.Connection, plan: RowsPlan, chosen: PlannedTable[], literal: string, asId: string): Promise<{ current: TableInfo[]; attached: boolean }> {
  const current: TableInfo[] = [];
  for (const t of chosen) {
    const [rows] = await client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${q(t.name)} WHERE ${tenantPredicate(plan, t, literal)}`);
    current.push({ name: t.name, rows: Number(rows[0]?.n ?? 0) });
  }
  const root = chosen.find((t) => t.role === 'root')?.name;
  refuseOccupiedTenant(
    asId,
    current.filter((c) => c.name !== root).map((c) => ({ table: c.name, rows: c.rows })),
  );
  return { current, attached: current.some((c) => c.name === root && c.rows > 0) };
}

/** Rewrites the staged rows and inserts them, parents first; returns the rows inserted per table. */
export async function insertClone(client: mysql.Connection, plan: RowsPlan, clones: TableClone[], staged: StagedTable[], newLiteral: string, attached: boolean): Promise<TableInfo[]> {
  const copies = new Map<string, { old: string; fresh: string }>();
  for (const [i, c] of clones.entries()) copies.set(c.table.table, await rewriteOwnColumns(client, c, staged[i]!.stage, i, newLiteral));
  let refs = 0;
  for (let pass = needsSecondPass(plan) ? 2 : 1; pass > 0; pass--) {
    for (const c of clones) for (const fk of c.foreignKeys) await remapForeignKey(client, fk, copies.get(fk.table)!, copies.get(fk.references)!, refs++);
  }
  const inserted: TableInfo[] = [];
  for (const c of clones) {
    const t = c.table;
    if (attached && t.role === 'root') {
      inserted.push({ name: t.name, rows: 0 });
      continue;
    }
    const [res] = await client.query<ResultSetHeader>(`INSERT INTO ${q(t.name)} (${columnList(t.columns)}) SELECT ${columnList(t.columns)} FROM ${copies.get(t.table)!.fresh}`);
    inserted.push({ name: t.name, rows: res.affectedRows });
  }
  return inserted;
}

/** The numbered old copy and the new copy of one staged table, with the tenant column and the AUTO_INCREMENT keys rewritten. */
async function rewriteOwnColumns(client: mysql.Connection, c: TableClone, stage: string, index: number, newLiteral: string): Promise<{ old: string; fresh: string }> {
  const old = q(`ob_old_${index}`);
  const fresh = q(`ob_clone_${index}`);
  await client.query(`CREATE TEMPORARY TABLE ${old} (ob_row BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY) SELECT ${columnList(c.table.columns)} FROM ${stage}`);
  await client.query(`CREATE TEMPORARY TABLE ${fresh} (PRIMARY KEY (ob_row)) SELECT * FROM ${old}`);
  if (c.tenantColumns.length > 0) await client.query(`UPDATE ${fresh} SET ${c.tenantColumns.map((col) => `${q(col)} = ${newLiteral}`).join(', ')}`);
  for (const g of c.generated) {
    const col = q(g.column);
    // Past every key the table holds (outside rows just added included) and its counter; in the order of the old keys.
    const [rows] = await client.query<RowDataPacket[]>(
      `SELECT GREATEST(COALESCE(MAX(${col}), 0) + 1, COALESCE((SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?), 1)) AS base FROM ${q(c.table.name)}`,
      [c.table.name],
    );
    await client.query('SET @ob_next = ?', [String(BigInt(String(rows[0]!.base)) - 1n)]);
    await client.query(`UPDATE ${fresh} SET ${col} = (@ob_next := @ob_next + 1) WHERE ${col} IS NOT NULL ORDER BY ${col}, ob_row`);
  }
  return { old, fresh };
}

/**
 * A reference to an archived row takes that row's new key, through a table pairing the parent's
 * old and new referenced values; a reference to a row outside the archive matches none and keeps its key.
 */
async function remapForeignKey(client: mysql.Connection, fk: PlanForeignKey, child: { old: string; fresh: string }, parent: { old: string; fresh: string }, index: number): Promise<void> {
  const pairs = q(`ob_ref_${index}`);
  const olds = fk.referencedColumns.map((c, i) => `o.${q(c)} AS o${i}`);
  const news = fk.referencedColumns.map((c, i) => `n.${q(c)} AS n${i}`);
  const oldKey = fk.referencedColumns.map((_, i) => `o${i}`).join(', ');
  await client.query(`CREATE TEMPORARY TABLE ${pairs} (INDEX (${oldKey})) SELECT ${[...olds, ...news].join(', ')} FROM ${parent.old} o JOIN ${parent.fresh} n ON n.ob_row = o.ob_row`);
  const match = fk.columns.map((c, i) => `r.o${i} = o.${q(c)}`).join(' AND ');
  const set = fk.columns.map((c, i) => `n.${q(c)} = r.n${i}`).join(', ');
  await client.query(`UPDATE ${child.fresh} n JOIN ${child.old} o ON o.ob_row = n.ob_row JOIN ${pairs} r ON ${match} SET ${set}`);
  await client.query(`DROP TEMPORARY TABLE ${pairs}`);
}
