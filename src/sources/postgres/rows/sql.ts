/**
 * PostgreSQL SQL for a rows plan: which rows of a table belong to a tenant (a predicate that
 * follows a child table's foreign keys up to its tenant or root table), and the statements built
 * on it. The tenant id always arrives as an escaped literal (COPY cannot take bind parameters).
 */
import { pathToAnchor, type PlannedTable, type RowsPlan } from '../../rows/plan.js';
import { quoteIdent, quoteTable } from '../catalog.js';

export function tableRef(t: Pick<PlannedTable, 'schema' | 'name'>): string {
  return quoteTable({ schema: t.schema, name: t.name });
}

export function columnList(columns: readonly string[], alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.${quoteIdent(c)}` : quoteIdent(c))).join(', ');
}

function tuple(columns: readonly string[], alias: string): string {
  return columns.length === 1 ? `${alias}.${quoteIdent(columns[0]!)}` : `(${columnList(columns, alias)})`;
}

/**
 * A boolean expression over `alias` (a row of `t`) that is true when the row belongs to the
 * tenant: `col = id` for tenant and root tables; for a child, its foreign key points at a parent
 * row that belongs to the tenant (recursively, as a semi-join the planner handles well).
 */
export function tenantPredicate(plan: RowsPlan, t: PlannedTable, alias: string, literal: string, depth = 0): string {
  if (t.role !== 'child') return `${alias}.${quoteIdent(t.filterColumn!)} = ${literal}`;
  const via = t.via!;
  const parent = plan.tables.find((p) => p.table === via.references);
  if (!parent) throw new Error(`internal: ${t.table} references ${via.references}, which is not in the rows plan`);
  const inner = `p${depth + 1}`;
  const parentColumns = via.referencedColumns.length === 1 ? `${inner}.${quoteIdent(via.referencedColumns[0]!)}` : columnList(via.referencedColumns, inner);
  return `${tuple(via.columns, alias)} IN (SELECT ${parentColumns} FROM ${tableRef(parent)} ${inner} WHERE ${tenantPredicate(plan, parent, inner, literal, depth + 1)})`;
}

/** The tenant's rows of one table as COPY text, columns in catalog order. */
export function copyOutSql(plan: RowsPlan, t: PlannedTable, literal: string): string {
  return `COPY (SELECT ${columnList(t.columns, 't0')} FROM ${tableRef(t)} t0 WHERE ${tenantPredicate(plan, t, 't0', literal)}) TO STDOUT`;
}

/** `a.k1 = b.k1 AND ...` over the primary key. */
export function keyEquals(primaryKey: readonly string[], a: string, b: string): string {
  return primaryKey.map((c) => `${a}.${quoteIdent(c)} = ${b}.${quoteIdent(c)}`).join(' AND ');
}

/** A row's text form: compares any column types, json included (which has no `=`). */
export function rowText(columns: readonly string[], alias: string): string {
  return `ROW(${columnList(columns, alias)})::text`;
}

/**
 * Many tenants' rows of one table in one statement, each line keyed by the tenant's index:
 * `COPY (SELECT k.i, t0.* ...) TO STDOUT`. `keys(anchor)` is a relation (i int, id) of the
 * selected tenants, its ids typed like the anchor's filter column. A child table joins up its foreign-key path to its anchor (the tenant or root table);
 * each step joins on the parent's referenced (unique) columns, so no row is repeated.
 */
export function keyedCopyOutSql(plan: RowsPlan, t: PlannedTable, keys: (anchor: PlannedTable) => string): string {
  return `COPY (${keyedSelectSql(plan, t, keys, columnList(t.columns, 't0'))}) TO STDOUT`;
}

/** `SELECT k.i, <select> FROM <t> t0 JOIN ... JOIN <keys> k`: the selected tenants' rows of `t` (alias t0), each with its tenant's index. */
export function keyedSelectSql(plan: RowsPlan, t: PlannedTable, keys: (anchor: PlannedTable) => string, select: string): string {
  const path = pathToAnchor(plan, t.table);
  const joins = path.slice(1).map((parent, i) => {
    const via = path[i]!.via!;
    const on = via.columns.map((c, j) => `t${i}.${quoteIdent(c)} = t${i + 1}.${quoteIdent(via.referencedColumns[j]!)}`).join(' AND ');
    return ` JOIN ${tableRef(parent)} t${i + 1} ON ${on}`;
  });
  const anchor = path.length - 1;
  return `SELECT k.i, ${select} FROM ${tableRef(t)} t0${joins.join('')} JOIN ${keys(path[anchor]!)} k ON t${anchor}.${quoteIdent(path[anchor]!.filterColumn!)} = k.id`;
}
