/**
 * Outside references of a rows archive, the engine-neutral part: rows of planned or shared tables
 * that a tenant's rows reference but that are not the tenant's (Pagila: a store-1 rental of
 * store-2 inventory; an employee reporting to another tenant's employee; a referral). They are not
 * the tenant's data and never counted as such, but an empty target (a restore test's scratch
 * database, `--target` into a schema copy) cannot take the tenant's rows without them. Each engine
 * reads them in the dump's snapshot and stores them as `outside/...` entries
 * (postgres/rows/outside.ts, mysql/rows/outside.ts); this module says which foreign keys can
 * leave the tenant and how the manifest describes what was found.
 */
import type { PlanForeignKey, PlannedTable, RowsPlan } from './plan.js';

/** Per foreign key that leaves the tenant: how many distinct outside rows the tenant's rows reference. */
export interface OutsideReference {
  /** The referencing table (qualified) and its foreign key. */
  table: string;
  foreignKey: string;
  columns: string[];
  references: string;
  /** Distinct rows of `references` outside the tenant that the tenant's rows point at. */
  rows: number;
}

/** A planned or shared table, as outside references see it. */
export interface OutsideTable {
  table: string;
  schema: string;
  name: string;
  primaryKey: string[];
  /** Planned tables: the tenant's rows; shared tables have none. */
  planned?: PlannedTable;
}

/** Never followed further than this many hops from the tenant's rows (a chain through many tenants). */
export const MAX_OUTSIDE_HOPS = 32;

/**
 * The foreign keys from the tenant's tables that can point outside the tenant: to shared tables,
 * and between planned tables every one except a child's own path to the tenant (`via`) and a
 * tenant table's key over the tenant column to its root table, which point at the tenant's rows.
 */
export function crossingKeys(plan: RowsPlan): PlanForeignKey[] {
  const byName = new Map(plan.tables.map((t) => [t.table, t]));
  const between = plan.foreignKeys.filter((fk) => {
    const from = byName.get(fk.table);
    if (from?.via === fk) return false;
    const to = byName.get(fk.references);
    const tenantKey = from?.role === 'tenant' && to?.role === 'root' && fk.columns.length === 1 && fk.columns[0] === plan.column;
    return !tenantKey;
  });
  return [...between, ...(plan.sharedKeys ?? []).filter((fk) => byName.has(fk.table))];
}

/** Every table outside rows can be in, by qualified name. */
export function outsideTableMap(plan: RowsPlan): Map<string, OutsideTable> {
  const out = new Map<string, OutsideTable>();
  for (const t of plan.sharedTables ?? []) out.set(t.table, t);
  for (const t of plan.tables) out.set(t.table, { table: t.table, schema: t.schema, name: t.name, primaryKey: t.primaryKey, planned: t });
  return out;
}

/** Every foreign key an outside row can lead on through (planned and shared tables alike). */
export function allPlanKeys(plan: RowsPlan): PlanForeignKey[] {
  return [...plan.foreignKeys, ...(plan.sharedKeys ?? [])];
}

/** One line per foreign key for `create -v`, e.g. `public.rental.rental_inventory_id_fkey (inventory_id) -> 12 row(s) of public.inventory outside the tenant`. */
export function describeOutside(references: readonly OutsideReference[]): string[] {
  return references.map((r) => `${r.table}.${r.foreignKey} (${r.columns.join(', ')}) -> ${r.rows} row(s) of ${r.references} outside the tenant`);
}

/** The dry run's line about outside references: what a restore into another database adds, or what a live one relies on. */
export function describeOutsideRestore(tables: readonly { table: string; rows: number }[], intoOther: boolean): string[] {
  if (tables.length === 0) return [];
  const listed = tables.map((t) => `${t.table} (${t.rows})`).join(', ');
  return [
    intoOther
      ? `outside references (other tenants' and shared rows the tenant's rows reference, not the tenant's): added where the target lacks them: ${listed}`
      : `outside references (other tenants' and shared rows the tenant's rows reference): the live rows are used, and the restore stops if one is missing: ${listed}`,
  ];
}
