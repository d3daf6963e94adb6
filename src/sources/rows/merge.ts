/**
 * `restore --conflict merge` for rows archives, shared by the PostgreSQL and MySQL rows restores:
 * archived rows update the tenant's rows with the same primary key and missing ones are inserted;
 * the tenant's rows absent from the archive are kept. Matching rows needs a primary key, so a
 * table without one is refused before anything is read or changed.
 */
import { UsageError } from '../../errors.js';
import type { PlannedTable } from './plan.js';

/** Per table, what a merge does (or would do, in a dry run) to the tenant's rows. */
export interface MergeCount {
  table: string;
  /** Archived rows whose key the tenant holds with other values: rewritten. */
  updated: number;
  /** Archived rows whose key the tenant does not hold: added. */
  inserted: number;
  /** Archived rows the tenant holds with the same values: not written. */
  unchanged: number;
  /** The tenant's rows whose key the archive lacks: left as they are. */
  kept: number;
}

export function refuseUnkeyedForMerge(chosen: readonly PlannedTable[], nameOf: (t: PlannedTable) => string): void {
  const unkeyed = chosen.filter((t) => t.primaryKey.length === 0).map(nameOf);
  if (unkeyed.length === 0) return;
  throw new UsageError(`--conflict merge matches rows by primary key, and ${unkeyed.join(', ')} ${unkeyed.length > 1 ? 'have' : 'has'} none; nothing was restored`, {
    hint: 'add a primary key to those tables, leave them out with --only, or use --conflict replace or skip',
  });
}

export function describeMergeCounts(counts: readonly MergeCount[]): string[] {
  return counts.map((c) => `merge ${c.table}: ${c.updated} updated, ${c.inserted} inserted, ${c.unchanged} unchanged, ${c.kept} kept (not in the archive)`);
}
