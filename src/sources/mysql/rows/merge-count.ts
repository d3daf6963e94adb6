/**
 * What `--conflict merge` does to each staged table, counted inside the restore's transaction
 * over the staged rows: before the merge (the real restore reports it) or instead of it (the dry
 * run stages, counts and rolls back). Values compare as bytes, as the merge itself does. Each
 * statement opens a temporary table once (MySQL cannot open one twice in a statement).
 */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { MergeCount } from '../../rows/merge.js';
import type { RowsPlan } from '../../rows/plan.js';
import { quoteMysqlIdent as q } from '../connection.js';
import type { StagedTable } from './apply.js';
import { tenantPredicate } from './sql.js';

export async function countMerge(client: mysql.Connection, plan: RowsPlan, staged: StagedTable[], literal: string): Promise<MergeCount[]> {
  const counts: MergeCount[] = [];
  for (const { table: t, stage } of staged) {
    const key = (a: string, b: string) => t.primaryKey.map((c) => `${a}.${q(c)} = ${b}.${q(c)}`).join(' AND ');
    const same = t.columns.map((c) => `CAST(t.${q(c)} AS BINARY) <=> CAST(s.${q(c)} AS BINARY)`).join(' AND ');
    const [archived] = await client.query<RowDataPacket[]>(
      `SELECT COALESCE(SUM(m.found AND NOT m.equal), 0) AS updated, COALESCE(SUM(m.found AND m.equal), 0) AS unchanged, COALESCE(SUM(NOT m.found), 0) AS inserted
         FROM (SELECT EXISTS (SELECT 1 FROM ${q(t.name)} t WHERE ${key('t', 's')}) AS found, EXISTS (SELECT 1 FROM ${q(t.name)} t WHERE ${key('t', 's')} AND ${same}) AS equal FROM ${stage} s) m`,
    );
    const [kept] = await client.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${q(t.name)} WHERE ${tenantPredicate(plan, t, literal)} AND NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${key('s', q(t.name))})`,
    );
    const row = archived[0]!;
    counts.push({ table: t.name, updated: Number(row.updated), inserted: Number(row.inserted), unchanged: Number(row.unchanged), kept: Number(kept[0]?.n ?? 0) });
  }
  return counts;
}
