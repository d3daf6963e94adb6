/**
 * The rows plan comes from the archive's manifest, and its predicates decide which rows a restore
 * deletes and accepts. So before they are used, each chosen table's predicate must be one the
 * target's own schema gives: a tenant table filtered by the configured tenant column, a root table
 * by the column that column references, a child table through a foreign key the target has.
 * A doctored plan (say, users filtered by department_id) is refused before anything is touched.
 */
import { VerificationError } from '../../../errors.js';
import type { PlanForeignKey, PlannedTable, RowsPlan } from '../../rows/plan.js';
import type { MysqlRowsCatalog } from './catalog.js';

/** `schema.table` -> `table`: plans name the source database, the catalog the target. */
function bare(qualified: string): string {
  return qualified.slice(qualified.indexOf('.') + 1);
}

function sameKey(a: PlanForeignKey, b: PlanForeignKey): boolean {
  return (
    bare(a.table) === bare(b.table) && bare(a.references) === bare(b.references) && a.columns.join('\0') === b.columns.join('\0') && a.referencedColumns.join('\0') === b.referencedColumns.join('\0')
  );
}

/** Why the table's predicate is not one the target's schema gives, or undefined when it is. */
export function predicateProblem(plan: RowsPlan, table: PlannedTable, catalog: MysqlRowsCatalog, column: string): string | undefined {
  const own = catalog.tables.find((t) => t.name === table.name);
  if (!own) return `the target has no table ${table.name}`;
  if (table.role === 'tenant') {
    if (table.filterColumn !== column || plan.column !== column) return `it is filtered by ${table.filterColumn ?? '(nothing)'}, not by the tenant column ${column}`;
    return own.columns.some((c) => c.name === column) ? undefined : `it has no column ${column}`;
  }
  if (table.role === 'root') {
    const tenantKey = catalog.foreignKeys.some((fk) => bare(fk.references) === table.name && fk.columns.length === 1 && fk.columns[0] === column && fk.referencedColumns[0] === table.filterColumn);
    return tenantKey ? undefined : `no ${column} column references its ${table.filterColumn ?? '(nothing)'}`;
  }
  if (table.role !== 'child' || !table.via) return `its role ${String(table.role)} is unknown`;
  const via = table.via;
  if (bare(via.table) !== table.name || !plan.tables.some((t) => t.table === via.references)) return `its foreign key ${via.name} does not lead to a planned table`;
  return catalog.foreignKeys.some((fk) => sameKey(fk, via))
    ? undefined
    : `the target has no foreign key ${bare(via.table)}(${via.columns.join(', ')}) -> ${bare(via.references)}(${via.referencedColumns.join(', ')})`;
}

export function assertPlanFitsTarget(plan: RowsPlan, chosen: readonly PlannedTable[], catalog: MysqlRowsCatalog, column: string, archive: string): void {
  for (const table of chosen) {
    const problem = predicateProblem(plan, table, catalog, column);
    if (problem) {
      throw new VerificationError(`the rows plan in archive ${archive} does not fit the target for ${table.name}: ${problem}; the target is unchanged`, {
        hint: 'the manifest was altered, or the tenant column changed since the backup; use another archive, or check tenants.column',
      });
    }
  }
}
