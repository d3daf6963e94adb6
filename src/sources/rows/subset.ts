/** `restore --only` for rows archives, shared by the PostgreSQL and MySQL rows restores. */
import { UsageError } from '../../errors.js';
import { checkSubset, type PlannedTable, type RowsPlan } from './plan.js';

/** The tables to restore: all, or an `--only` subset that keeps every foreign key satisfiable. */
export function chooseTables(plan: RowsPlan, only: readonly string[] | undefined): PlannedTable[] {
  if (!only || only.length === 0) return plan.tables;
  const check = checkSubset(plan, only);
  if (check.unknown.length > 0) {
    throw new UsageError(`--only: ${check.unknown.join(', ')} ${check.unknown.length > 1 ? 'are' : 'is'} not in this archive`, {
      hint: `archived tables: ${plan.tables.map((t) => t.table).join(', ')}`,
    });
  }
  if (check.missing.length > 0) {
    const needs = [...new Set(check.missing.flatMap((m) => m.needs))];
    throw new UsageError(`--only would break foreign keys: ${check.missing.map((m) => `${m.table} references ${m.needs.join(', ')}`).join('; ')}`, {
      hint: `add ${needs.join(', ')} to --only (their rows are restored too)`,
    });
  }
  return check.tables;
}
