/**
 * Outside references (outside.ts) of many tenants at once, for the one-pass read (batch.ts): one
 * statement per foreign key that can leave the tenant, for every selected tenant together, each
 * referenced row keyed by the index of the tenant whose rows point at it; then, per hop, one
 * statement per foreign key of the tables reached. What each tenant gets is what outside.ts finds
 * for it alone (the same rows, references and counts, in the same order): a tenant's results are
 * applied in the order its own lookup would have made them.
 *
 * Why: looked up per tenant, a run of 5,000 tenants spent most of its time in these lookups (about
 * fifteen statements per tenant on the fixture; bench/RESULTS.md "Many tenants").
 */
import type pg from 'pg';
import { allPlanKeys, crossingKeys, MAX_OUTSIDE_HOPS, outsideTableMap, type OutsideTable } from '../../rows/outside.js';
import { pathToAnchor, type PlanForeignKey, type PlannedTable, type RowsPlan } from '../../rows/plan.js';
import { quoteIdent } from '../catalog.js';
import { addOutsideRows, notTenants, type OutsideRows } from './outside.js';
import { keyedSelectSql, rowText, tableRef } from './sql.js';

/** `(i int, id)` of the selected tenants, ids typed like `anchor`'s filter column (batch.ts). */
export type KeysRelation = (anchor: PlannedTable) => string;

type Found = { key: string; row: string }[];

/** Per tenant index: the rows one statement found for it. */
type ByTenant = Map<number, Found>;

/** Reads every tenant's outside references (in the caller's transaction, so in the batch's snapshot); tenant index -> its references, only for tenants that have some. */
export async function readOutsideRowsBatch(client: pg.Client, plan: RowsPlan, keys: KeysRelation, count: number): Promise<Map<number, OutsideRows>> {
  const tables = outsideTableMap(plan);
  const found = new Map<number, OutsideRows>();
  const held = (i: number): OutsideRows => found.get(i) ?? found.set(i, { rows: new Map(), references: [] }).get(i)!;
  let frontier = new Map<number, Map<string, string[]>>();
  const frontierOf = (i: number, into: Map<number, Map<string, string[]>>) => into.get(i) ?? into.set(i, new Map()).get(i)!;
  for (const fk of crossingKeys(plan)) {
    const from = tables.get(fk.table)!.planned!;
    const source = keyedSelectSql(plan, from, keys, keyColumns(fk.columns, 't0'));
    for (const [i, rows] of await referencedOutside(client, plan, fk, tables.get(fk.references)!, source, keys, [])) {
      const tenant = held(i);
      tenant.references.push({ table: fk.table, foreignKey: fk.name, columns: fk.columns, references: fk.references, rows: rows.length });
      addOutsideRows(tenant, fk.references, rows, frontierOf(i, frontier));
    }
  }
  const allKeys = allPlanKeys(plan);
  for (let hop = 1; frontier.size > 0; hop++) {
    if (hop > MAX_OUTSIDE_HOPS) throw new Error(`internal: outside references go on for more than ${MAX_OUTSIDE_HOPS} hops`);
    const results = new Map<PlanForeignKey, ByTenant>();
    for (const table of new Set([...frontier.values()].flatMap((f) => [...f.keys()]))) {
      const indexes: number[] = [];
      const rows: string[] = [];
      for (const [i, f] of frontier) {
        for (const row of f.get(table) ?? []) {
          indexes.push(i);
          rows.push(row);
        }
      }
      for (const fk of allKeys.filter((k) => k.table === table)) {
        const keyed = `SELECT f.i, ${keyColumns(fk.columns, 's')} FROM unnest($1::int[], $2::json[]) AS f(i, r) CROSS JOIN LATERAL json_populate_record(NULL::${tableRef(tables.get(table)!)}, f.r) s`;
        results.set(fk, await referencedOutside(client, plan, fk, tables.get(fk.references)!, keyed, keys, [indexes, `[${rows.join(',')}]`]));
      }
    }
    const next = new Map<number, Map<string, string[]>>();
    // Each tenant's results in the order its own lookup makes them: its frontier's tables, then their keys.
    for (const [i, f] of frontier) {
      for (const table of f.keys()) {
        for (const fk of allKeys.filter((k) => k.table === table)) addOutsideRows(held(i), fk.references, results.get(fk)?.get(i) ?? [], frontierOf(i, next));
      }
    }
    frontier = new Map([...next].filter(([, f]) => f.size > 0));
  }
  for (const i of found.keys()) if (i < 0 || i >= count) throw new Error(`internal: outside reference for tenant index ${i} of ${count}`);
  return new Map([...found].filter(([, f]) => f.references.length > 0));
}

/** `t0."a" AS c0, t0."b" AS c1`: a foreign key's columns under names that cannot clash with `i`. */
function keyColumns(columns: readonly string[], alias: string): string {
  return columns.map((c, j) => `${alias}.${quoteIdent(c)} AS c${j}`).join(', ');
}

/**
 * The rows of `to` that the rows of `source` (`i, c0, c1, ...`: a tenant index and the foreign
 * key's columns) reference through `fk` and that are not that tenant's, by tenant index.
 */
async function referencedOutside(client: pg.Client, plan: RowsPlan, fk: PlanForeignKey, to: OutsideTable, source: string, keys: KeysRelation, params: unknown[]): Promise<ByTenant> {
  const key = to.primaryKey.length > 0 ? rowText(to.primaryKey, 'p') : 'row_to_json(p)::text';
  const on = fk.referencedColumns.map((c, j) => `p.${quoteIdent(c)} = s.c${j}`).join(' AND ');
  // The referenced row's tenant is compared with the referencing tenant's id typed for `to`'s anchor.
  const anchor = to.planned ? keys(anchorOf(plan, to.planned)) : undefined;
  const res = await client.query<{ i: number; key: string; row: string }>(
    `SELECT s.i, ${key} AS key, row_to_json(p)::text AS row
       FROM (SELECT DISTINCT * FROM (${source}) s0) s JOIN ${tableRef(to)} p ON ${on}${anchor ? ` JOIN ${anchor} kt ON kt.i = s.i` : ''}
      WHERE ${notTenants(plan, to, 'p', 'kt.id')}`,
    params,
  );
  const out: ByTenant = new Map();
  for (const { i, key: k, row } of res.rows) {
    let list = out.get(i);
    if (!list) out.set(i, (list = []));
    list.push({ key: k, row });
  }
  return out;
}

/** The tenant or root table a planned table's rows belong to the tenant through. */
function anchorOf(plan: RowsPlan, t: PlannedTable): PlannedTable {
  return pathToAnchor(plan, t.table).at(-1)!;
}
