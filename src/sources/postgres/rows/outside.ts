/**
 * Outside references of a PostgreSQL rows archive: rows of planned tables that a tenant's rows
 * reference but that belong to another tenant (Pagila: a store-1 rental of store-2 inventory; an
 * employee reporting to another tenant's employee; a referral). They are not the tenant's data and
 * are never counted as such, but an empty target (a restore test's scratch database, `--target`
 * into a schema copy) cannot take the tenant's rows without them.
 *
 * At backup time, in the dump's snapshot, the rows the tenant's rows reference through a foreign
 * key that can leave the tenant are read, then the rows those reference in turn (another store's
 * inventory needs that store's row), until nothing new is found. They are stored as entries
 * `outside/<schema>.<table>.json[.zst]` (one row_to_json line per row, in key order) and counted
 * in the manifest's `details.outside`. A restore into another database loads them first, adding
 * only the ones it lacks; a live restore relies on the live rows and names any that are missing
 * before it changes anything (outside-check.ts).
 */
import type pg from 'pg';
import { encodeTenant } from '../../../archive/layout.js';
import type { Compression } from '../../compression.js';
import { storeRowsEntry } from '../../rows/entries.js';
import { loadOrder, type PlanForeignKey, type PlannedTable, type RowsPlan } from '../../rows/plan.js';
import type { DumpContext } from '../../types.js';
import { columnList, rowText, tableRef, tenantPredicate } from './sql.js';

/** What the manifest records: the outside rows stored per table, in load order; per foreign key, how many it references. */
export interface OutsideDetails {
  tables: { table: string; schema: string; name: string; rows: number; entry: string }[];
  references: OutsideReference[];
}

export interface OutsideReference {
  /** The referencing table (qualified) and its foreign key. */
  table: string;
  foreignKey: string;
  columns: string[];
  references: string;
  /** Distinct rows of `references` outside the tenant that the tenant's rows point at. */
  rows: number;
}

/** Per table: each outside row's key text -> its row_to_json text. */
export interface OutsideRows {
  rows: Map<string, Map<string, string>>;
  references: OutsideReference[];
}

/** A planned or shared table, as outside references see it. */
interface OutsideTable {
  table: string;
  schema: string;
  name: string;
  primaryKey: string[];
  /** Planned tables: the tenant's rows; shared tables have none. */
  planned?: PlannedTable;
}

/** Never followed further than this many hops from the tenant's rows (a chain through many tenants). */
const MAX_HOPS = 32;

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

/** Whether a row (`alias`) of `t` is not the tenant's: every row of a shared table. */
export function notTenants(plan: RowsPlan, t: OutsideTable, alias: string, literal: string): string {
  return t.planned ? `(${tenantPredicate(plan, t.planned, alias, literal)}) IS NOT TRUE` : 'true';
}

/** Reads the tenant's outside references (in the caller's transaction, so in the dump's snapshot). */
export async function readOutsideRows(client: pg.Client, plan: RowsPlan, literal: string): Promise<OutsideRows> {
  const found: OutsideRows = { rows: new Map(), references: [] };
  const tables = outsideTableMap(plan);
  const allKeys = [...plan.foreignKeys, ...(plan.sharedKeys ?? [])];
  let frontier = new Map<string, string[]>();
  for (const fk of crossingKeys(plan)) {
    const from = tables.get(fk.table)!.planned!;
    const source = `(SELECT * FROM ${tableRef(from)} t0 WHERE ${tenantPredicate(plan, from, 't0', literal)})`;
    const rows = await referencedOutside(client, plan, fk, tables.get(fk.references)!, source, literal, []);
    if (rows.length === 0) continue;
    found.references.push({ table: fk.table, foreignKey: fk.name, columns: fk.columns, references: fk.references, rows: rows.length });
    addNew(found, fk.references, rows, frontier);
  }
  for (let hop = 1; frontier.size > 0; hop++) {
    if (hop > MAX_HOPS) throw new Error(`internal: outside references go on for more than ${MAX_HOPS} hops`);
    const next = new Map<string, string[]>();
    for (const [table, rows] of frontier) {
      for (const fk of allKeys.filter((k) => k.table === table)) {
        const source = `json_populate_recordset(NULL::${tableRef(tables.get(table)!)}, $1::json)`;
        const more = await referencedOutside(client, plan, fk, tables.get(fk.references)!, source, literal, [`[${rows.join(',')}]`]);
        addNew(found, fk.references, more, next);
      }
    }
    frontier = next;
  }
  return found;
}

/** The rows of `to` that rows of `source` reference through `fk` and that are not the tenant's. */
async function referencedOutside(client: pg.Client, plan: RowsPlan, fk: PlanForeignKey, to: OutsideTable, source: string, literal: string, params: unknown[]): Promise<{ key: string; row: string }[]> {
  const key = to.primaryKey.length > 0 ? rowText(to.primaryKey, 'p') : 'row_to_json(p)::text';
  const referenced = fk.referencedColumns.length === 1 ? columnList(fk.referencedColumns, 'p') : `(${columnList(fk.referencedColumns, 'p')})`;
  const res = await client.query<{ key: string; row: string }>(
    `SELECT ${key} AS key, row_to_json(p)::text AS row FROM ${tableRef(to)} p
      WHERE ${referenced} IN (SELECT ${columnList(fk.columns, 's')} FROM ${source} s) AND ${notTenants(plan, to, 'p', literal)}`,
    params,
  );
  return res.rows;
}

function addNew(found: OutsideRows, table: string, rows: { key: string; row: string }[], frontier: Map<string, string[]>): void {
  let held = found.rows.get(table);
  if (!held) found.rows.set(table, (held = new Map<string, string>()));
  for (const { key, row } of rows) {
    if (held.has(key)) continue;
    held.set(key, row);
    let next = frontier.get(table);
    if (!next) frontier.set(table, (next = []));
    next.push(row);
  }
}

/** Stores each table's outside rows as an entry, parents first; undefined when there are none. */
export async function storeOutsideRows(ctx: DumpContext, plan: RowsPlan, found: OutsideRows, compression: Compression): Promise<OutsideDetails | undefined> {
  if (found.references.length === 0) return undefined;
  const tables = outsideTableMap(plan);
  const { order } = loadOrder([...found.rows.keys()], [...plan.foreignKeys, ...(plan.sharedKeys ?? [])]);
  const stored: OutsideDetails['tables'] = [];
  for (const name of order) {
    const held = found.rows.get(name)!;
    if (held.size === 0) continue;
    const lines = [...held.keys()].sort().map((k) => `${held.get(k)!}\n`);
    const entry = await storeRowsEntry(ctx, `outside/${encodeTenant(name)}.json`, Buffer.from(lines.join('')), compression);
    const t = tables.get(name)!;
    stored.push({ table: name, schema: t.schema, name: t.name, rows: held.size, entry });
  }
  return { tables: stored, references: found.references };
}

/** One line per foreign key for `create -v`, e.g. `public.rental.rental_inventory_id_fkey -> 12 row(s) of public.inventory`. */
export function describeOutside(outside: OutsideDetails): string[] {
  return outside.references.map((r) => `${r.table}.${r.foreignKey} (${r.columns.join(', ')}) -> ${r.rows} row(s) of ${r.references} outside the tenant`);
}
