/**
 * Foreign-key cycles between a rows plan's tables that are not DEFERRABLE: a tenant whose rows
 * are all gone cannot be loaded back (whichever table comes first references rows not there
 * yet), so the restore error and preflight name each such key and the statement that fixes it.
 */
import type { PlanForeignKey, RowsPlan } from '../../rows/plan.js';
import { quoteIdent } from '../catalog.js';

/** The non-deferrable foreign keys of the plan's cycles. */
export function blockingCycleKeys(plan: RowsPlan): PlanForeignKey[] {
  return plan.cycles.flatMap((c) => c.foreignKeys.filter((fk) => !fk.deferrable));
}

function quoteQualified(table: string): string {
  const dot = table.indexOf('.');
  return `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}

/** `ALTER TABLE ... ALTER CONSTRAINT ... DEFERRABLE` for each blocking key. */
export function deferrableFixes(keys: readonly PlanForeignKey[]): string[] {
  return keys.map((fk) => `ALTER TABLE ${quoteQualified(fk.table)} ALTER CONSTRAINT ${quoteIdent(fk.name)} DEFERRABLE;`);
}

/** One line naming the cycle's keys, e.g. `public.a.a_b_fkey -> public.b, public.b.b_a_fkey -> public.a`. */
export function describeCycleKeys(keys: readonly PlanForeignKey[]): string {
  return keys.map((fk) => `${fk.name} (${fk.table} -> ${fk.references})`).join(', ');
}
