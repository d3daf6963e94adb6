/**
 * What `--conflict merge` does to each staged table, counted inside the restore's transaction
 * over the staged rows: before the merge (the real restore reports it) or instead of it (the dry
 * run stages, counts and rolls back).
 */
import type pg from 'pg';
import type { MergeCount } from '../../rows/merge.js';
import type { RowsPlan } from '../../rows/plan.js';
import type { StagedTable } from './apply.js';
import { keyEquals, rowText, tableRef, tenantPredicate } from './sql.js';

export async function countMerge(client: pg.Client, plan: RowsPlan, staged: StagedTable[], literal: string): Promise<MergeCount[]> {
  const counts: MergeCount[] = [];
  for (const { table: t, stage } of staged) {
    const mine = `${tableRef(t)} t WHERE ${tenantPredicate(plan, t, 't', literal)}`;
    const res = await client.query<{ updated: string; unchanged: string; inserted: string; kept: string }>(
      `SELECT count(*) FILTER (WHERE m.found AND m.differs) AS updated, count(*) FILTER (WHERE m.found AND NOT m.differs) AS unchanged,
              count(*) FILTER (WHERE NOT m.found) AS inserted,
              (SELECT count(*) FROM ${mine} AND NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyEquals(t.primaryKey, 's', 't')})) AS kept
         FROM (SELECT EXISTS (SELECT 1 FROM ${tableRef(t)} t WHERE ${keyEquals(t.primaryKey, 's', 't')}) AS found,
                      NOT EXISTS (SELECT 1 FROM ${tableRef(t)} t WHERE ${keyEquals(t.primaryKey, 's', 't')} AND ${rowText(t.columns, 't')} = ${rowText(t.columns, 's')}) AS differs
                 FROM ${stage} s) m`,
    );
    const row = res.rows[0]!;
    counts.push({ table: t.table, updated: Number(row.updated), inserted: Number(row.inserted), unchanged: Number(row.unchanged), kept: Number(row.kept) });
  }
  return counts;
}
