/**
 * A rows source's plan as preflight checks: one pass line per copied table saying how it is tied
 * to the tenant (table -> foreign key column(s) -> ... -> tenant column), so a surprising path
 * (Pagila's payment reaching the store through customer_id, not staff_id) is seen before a backup
 * relies on it, and can be chosen with tenants.paths. create -v shows them as debug lines.
 */
import { describeTenantPath, type RowsPlan } from '../rows/plan.js';
import { pass, type CheckResult } from './result.js';

export function pathChecks(sourceName: string, plan: RowsPlan): CheckResult[] {
  return plan.tables.map((t) => pass(`source.${sourceName}.rows-path.${t.table}`, `tenant path: ${describeTenantPath(plan, t.table)}`, sourceName));
}

/** The plan's tenant paths for create --dry-run and its --json. */
export function planPaths(sourceName: string, plan: RowsPlan): { source: string; table: string; path: string }[] {
  return plan.tables.map((t) => ({ source: sourceName, table: t.table, path: describeTenantPath(plan, t.table) }));
}
