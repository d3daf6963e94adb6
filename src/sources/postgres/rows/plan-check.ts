/**
 * The rows plan comes from the archive's manifest, and its predicates decide which of the target's
 * rows a restore deletes and which staged rows it accepts. So before they are used, each chosen
 * table's predicate must be one the target's own catalog gives: a tenant table filtered by the
 * configured tenant column, a root table by the column that column references, a child table
 * through a foreign key the target has, to a planned table, ending at a tenant or root table.
 * A doctored plan (say, notes filtered by author_org) is refused before anything is touched.
 */
import { VerificationError } from '../../../errors.js';
import type { PlanForeignKey, PlannedTable, RowsPlan } from '../../rows/plan.js';
import type { RowsCatalog } from './catalog.js';

function sameKey(a: PlanForeignKey, b: PlanForeignKey): boolean {
  return a.table === b.table && a.references === b.references && a.columns.join('\0') === b.columns.join('\0') && a.referencedColumns.join('\0') === b.referencedColumns.join('\0');
}

function childProblem(plan: RowsPlan, table: PlannedTable, catalog: RowsCatalog): string | undefined {
  const via = table.via!;
  if (via.table !== table.table || !plan.tables.some((t) => t.table === via.references)) return `its foreign key ${via.name} does not lead to a planned table`;
  if (!via.columns.every((c) => table.columns.includes(c))) return `its foreign key columns ${via.columns.join(', ')} are not among its archived columns`;
  if (!catalog.foreignKeys.some((fk) => sameKey(fk, via))) return `the target has no foreign key ${via.table}(${via.columns.join(', ')}) -> ${via.references}(${via.referencedColumns.join(', ')})`;
  // Each step must lead closer to a tenant or root table: a loop of children has no tenant.
  let current: PlannedTable | undefined = table;
  for (let steps = 0; current?.role === 'child' && steps <= plan.tables.length; steps++) current = plan.tables.find((t) => t.table === current!.via?.references);
  return current && current.role !== 'child' ? undefined : 'its foreign keys never reach a tenant table';
}

/** Why the table's predicate is not one the target's catalog gives, or undefined when it is. */
export function predicateProblem(plan: RowsPlan, table: PlannedTable, catalog: RowsCatalog, column: string): string | undefined {
  const own = catalog.tables.find((t) => `${t.schema}.${t.name}` === table.table);
  if (!own || own.schema !== table.schema || own.name !== table.name) return `the target has no table ${table.table}`;
  if (table.role === 'tenant' || table.role === 'root') {
    const filter = table.filterColumn ?? '(nothing)';
    if (!table.columns.includes(filter)) return `its filter column ${filter} is not among its archived columns`;
    if (table.role === 'tenant') {
      if (filter !== column || plan.column !== column) return `it is filtered by ${filter}, not by the tenant column ${column}`;
      return own.columns.some((c) => c.name === column) ? undefined : `it has no column ${column}`;
    }
    const tenantKey = catalog.foreignKeys.some(
      (fk) => fk.references === table.table && fk.columns.length === 1 && fk.columns[0] === column && fk.referencedColumns.length === 1 && fk.referencedColumns[0] === filter,
    );
    return tenantKey ? undefined : `no ${column} column references its ${filter}`;
  }
  if (table.role !== 'child' || !table.via) return `its role ${String(table.role)} is unknown`;
  return childProblem(plan, table, catalog);
}

/** The chosen tables and the planned tables their predicates go through (a parent left out by --only too). */
function withAncestors(plan: RowsPlan, chosen: readonly PlannedTable[]): PlannedTable[] {
  const out = new Set<PlannedTable>();
  for (const table of chosen) {
    let current: PlannedTable | undefined = table;
    for (let steps = 0; current && !out.has(current) && steps <= plan.tables.length; steps++) {
      out.add(current);
      current = current.role === 'child' ? plan.tables.find((t) => t.table === current!.via?.references) : undefined;
    }
  }
  return [...out];
}

export function assertPlanFitsTarget(plan: RowsPlan, chosen: readonly PlannedTable[], catalog: RowsCatalog, column: string, archive: string): void {
  for (const table of withAncestors(plan, chosen)) {
    const problem = predicateProblem(plan, table, catalog, column);
    if (problem) {
      throw new VerificationError(`the rows plan in archive ${archive} does not fit the target for ${table.table}: ${problem}; the target is unchanged`, {
        hint: 'the manifest was altered, or tenants.column or the schema changed since the backup; use another archive, or check tenants.column',
      });
    }
  }
}
