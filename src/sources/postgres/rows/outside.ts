/**
 * Outside references of a PostgreSQL rows archive (rows/outside.ts says what they are).
 *
 * At backup time, in the dump's snapshot, the rows the tenant's rows reference through a foreign
 * key that can leave the tenant are read, then the rows those reference in turn (another store's
 * inventory needs that store's row), until nothing new is found. They are stored as entries
 * `outside/<schema>.<table>.json[.zst]` (one row_to_json line per row, in key order) and counted
 * in the manifest's `details.outside`. A restore into another database loads them first, adding
 * only the ones it lacks; a live restore relies on the live rows and names any that are missing
 * before it changes anything (outside-restore.ts).
 */
import type pg from 'pg';
import { encodeTenant } from '../../../archive/layout.js';
import type { Compression } from '../../compression.js';
import { storeRowsEntry } from '../../rows/entries.js';
import { allPlanKeys, crossingKeys, MAX_OUTSIDE_HOPS, outsideTableMap, type OutsideReference, type OutsideTable } from '../../rows/outside.js';
import { loadOrder, type PlanForeignKey, type RowsPlan } from '../../rows/plan.js';
import type { DumpContext } from '../../types.js';
import { columnList, rowText, tableRef, tenantPredicate } from './sql.js';

/** What the manifest records: the outside rows stored per table, in load order; per foreign key, how many it references. */
export interface OutsideDetails {
  tables: { table: string; schema: string; name: string; rows: number; entry: string }[];
  references: OutsideReference[];
}

/** Per table: each outside row's key text -> its row_to_json text. */
export interface OutsideRows {
  rows: Map<string, Map<string, string>>;
  references: OutsideReference[];
}

/** Whether a row (`alias`) of `t` is not the tenant's: every row of a shared table. */
export function notTenants(plan: RowsPlan, t: OutsideTable, alias: string, literal: string): string {
  return t.planned ? `(${tenantPredicate(plan, t.planned, alias, literal)}) IS NOT TRUE` : 'true';
}

/** Reads the tenant's outside references (in the caller's transaction, so in the dump's snapshot). */
export async function readOutsideRows(client: pg.Client, plan: RowsPlan, literal: string): Promise<OutsideRows> {
  const found: OutsideRows = { rows: new Map(), references: [] };
  const tables = outsideTableMap(plan);
  const allKeys = allPlanKeys(plan);
  let frontier = new Map<string, string[]>();
  for (const fk of crossingKeys(plan)) {
    const from = tables.get(fk.table)!.planned!;
    const source = `(SELECT * FROM ${tableRef(from)} t0 WHERE ${tenantPredicate(plan, from, 't0', literal)})`;
    const rows = await referencedOutside(client, plan, fk, tables.get(fk.references)!, source, literal, []);
    if (rows.length === 0) continue;
    found.references.push({ table: fk.table, foreignKey: fk.name, columns: fk.columns, references: fk.references, rows: rows.length });
    addOutsideRows(found, fk.references, rows, frontier);
  }
  for (let hop = 1; frontier.size > 0; hop++) {
    if (hop > MAX_OUTSIDE_HOPS) throw new Error(`internal: outside references go on for more than ${MAX_OUTSIDE_HOPS} hops`);
    const next = new Map<string, string[]>();
    for (const [table, rows] of frontier) {
      for (const fk of allKeys.filter((k) => k.table === table)) {
        const source = `json_populate_recordset(NULL::${tableRef(tables.get(table)!)}, $1::json)`;
        const more = await referencedOutside(client, plan, fk, tables.get(fk.references)!, source, literal, [`[${rows.join(',')}]`]);
        addOutsideRows(found, fk.references, more, next);
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

/** Adds the rows not yet held to `found` and to the next hop's frontier. */
export function addOutsideRows(found: OutsideRows, table: string, rows: { key: string; row: string }[], frontier: Map<string, string[]>): void {
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
  const { order } = loadOrder([...found.rows.keys()], allPlanKeys(plan));
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
