/**
 * Outside references (outside.ts) of many MySQL/MariaDB tenants at once, for the one-pass read
 * (batch.ts): one statement per foreign key that can leave the tenant, for every selected tenant
 * together, each referenced row keyed by the index of the tenant whose rows point at it; then,
 * per hop, one statement per foreign key of the tables reached, its keys in a temporary table
 * typed like the referencing columns. What each tenant gets is what outside.ts finds for it alone
 * (the same rows, references and counts): a tenant's results are applied in the order its own
 * lookup would have made them (the PostgreSQL twin is postgres/rows/outside-batch.ts).
 */
import type mysql from 'mysql2/promise';
import { allPlanKeys, crossingKeys, MAX_OUTSIDE_HOPS, outsideTableMap, type OutsideTable } from '../../rows/outside.js';
import type { PlanForeignKey, RowsPlan } from '../../rows/plan.js';
import { quoteMysqlIdent } from '../connection.js';
import { anchorOf, keyedFrom, type KeysTable } from './keys.js';
import { addNew, keyTuples, type Found, type RawRow, type TableTypes } from './outside.js';
import { tenantPredicate } from './sql.js';

/** Rows per INSERT into a hop's key table. */
const INSERT_ROWS = 1000;

/** Per tenant index: the rows one statement found for it. */
type ByTenant = Map<number, RawRow[]>;

/** A frontier per tenant index: table (qualified) -> rows new at the last hop. */
type Frontiers = Map<number, Map<string, RawRow[]>>;

/** The temporary key table of each foreign key a hop can follow (made before the snapshot: hopTables). */
export type HopTables = Map<PlanForeignKey, string>;

/**
 * The foreign keys outside rows can be followed through (from the tables crossing keys reach, and
 * on from the tables those reach), each with an empty temporary table `(ob_i, ob_c0, ...)` typed
 * like its columns. Made before the READ ONLY transaction, which may fill but not create them.
 */
export async function createHopTables(client: mysql.Connection, plan: RowsPlan): Promise<HopTables> {
  const tables = outsideTableMap(plan);
  const reached = new Set(crossingKeys(plan).map((fk) => fk.references));
  const keys = allPlanKeys(plan);
  for (let grew = true; grew;) {
    grew = false;
    for (const fk of keys) if (reached.has(fk.table) && !reached.has(fk.references)) grew = reached.add(fk.references).size > 0;
  }
  const out: HopTables = new Map();
  for (const fk of keys.filter((k) => reached.has(k.table))) {
    const ref = quoteMysqlIdent(`orgbackup_rows_hop_${out.size}`);
    const columns = fk.columns.map((c, j) => `x.${quoteMysqlIdent(c)} AS ob_c${j}`).join(', ');
    await client.query(`CREATE TEMPORARY TABLE ${ref} SELECT CAST(0 AS SIGNED) AS ob_i, ${columns} FROM ${quoteMysqlIdent(tables.get(fk.table)!.name)} x WHERE FALSE`);
    out.set(fk, ref);
  }
  return out;
}

/** Every tenant's outside references (in the caller's transaction, so in the batch's snapshot); tenant index -> what it found. */
export async function readMysqlOutsideBatch(client: mysql.Connection, plan: RowsPlan, types: TableTypes, keys: KeysTable, hops: HopTables): Promise<Map<number, Found>> {
  const reader = new BatchReader(client, plan, types, keys);
  const found = new Map<number, Found>();
  const held = (i: number): Found => found.get(i) ?? found.set(i, { rows: new Map(), references: [] }).get(i)!;
  const frontierOf = (i: number, into: Frontiers) => into.get(i) ?? into.set(i, new Map()).get(i)!;
  let frontier: Frontiers = new Map();
  for (const fk of crossingKeys(plan)) {
    for (const [i, rows] of await reader.crossing(fk)) {
      const tenant = held(i);
      tenant.references.push({ table: fk.table, foreignKey: fk.name, columns: fk.columns, references: fk.references, rows: rows.length });
      addNew(tenant, reader.table(fk.references), rows, frontierOf(i, frontier));
    }
  }
  for (let hop = 1; frontier.size > 0; hop++) {
    if (hop > MAX_OUTSIDE_HOPS) throw new Error(`internal: outside references go on for more than ${MAX_OUTSIDE_HOPS} hops`);
    const results = new Map<PlanForeignKey, { asked: Set<number>; found: ByTenant }>();
    for (const table of new Set([...frontier.values()].flatMap((f) => [...f.keys()]))) {
      for (const fk of allPlanKeys(plan).filter((k) => k.table === table)) results.set(fk, await reader.hop(fk, hops.get(fk)!, frontier));
    }
    const next: Frontiers = new Map();
    // Each tenant's results in the order its own lookup makes them: its frontier's tables, then their keys.
    for (const [i, f] of frontier) {
      for (const table of f.keys()) {
        for (const fk of allPlanKeys(plan).filter((k) => k.table === table)) {
          const result = results.get(fk)!;
          if (result.asked.has(i)) addNew(held(i), reader.table(fk.references), result.found.get(i) ?? [], frontierOf(i, next));
        }
      }
    }
    frontier = new Map([...next].filter(([, f]) => f.size > 0));
  }
  return found;
}

class BatchReader {
  private readonly tables: Map<string, OutsideTable>;

  constructor(
    private readonly client: mysql.Connection,
    private readonly plan: RowsPlan,
    private readonly types: TableTypes,
    private readonly keys: KeysTable,
  ) {
    this.tables = outsideTableMap(plan);
  }

  table(name: string): OutsideTable {
    return this.tables.get(name)!;
  }

  /** The rows of `fk.references` outside each tenant that the tenant's rows of `fk.table` reference. */
  async crossing(fk: PlanForeignKey): Promise<ByTenant> {
    const from = this.table(fk.table).planned!;
    const to = this.table(fk.references);
    const kid = to.planned ? `, k.${this.keys.column(anchorOf(this.plan, to.planned))} AS ob_kid` : '';
    const columns = fk.columns.map((c, j) => `t0.${quoteMysqlIdent(c)} AS ob_c${j}`).join(', ');
    const source = `SELECT DISTINCT k.ob_i${kid}, ${columns} FROM ${keyedFrom(this.plan, from, this.keys)}`;
    return this.referenced(fk, to, `(${source}) s`, 's.ob_kid');
  }

  /** Fills the hop table of `fk` with each tenant's keys from its frontier rows; which tenants had any, and what they reference. */
  async hop(fk: PlanForeignKey, ref: string, frontier: Frontiers): Promise<{ asked: Set<number>; found: ByTenant }> {
    const name = this.table(fk.table).name;
    const rows: string[] = [];
    const asked = new Set<number>();
    for (const [i, f] of frontier) {
      const tuples = keyTuples(this.types, name, fk.columns, f.get(fk.table) ?? []);
      if (!tuples) continue;
      asked.add(i);
      for (const t of tuples) rows.push(`(${i},${t.join(',')})`);
    }
    if (asked.size === 0) return { asked, found: new Map() };
    await this.client.query(`DELETE FROM ${ref}`);
    for (let at = 0; at < rows.length; at += INSERT_ROWS) await this.client.query(`INSERT INTO ${ref} VALUES ${rows.slice(at, at + INSERT_ROWS).join(',')}`);
    const to = this.table(fk.references);
    const keysJoin = to.planned ? ` JOIN ${this.keys.ref} k ON k.ob_i = s.ob_i` : '';
    const kid = to.planned ? `k.${this.keys.column(anchorOf(this.plan, to.planned))}` : '';
    return { asked, found: await this.referenced(fk, to, `${ref} s${keysJoin}`, kid) };
  }

  /**
   * The rows of `to` that the keys of `source` (`s.ob_i, s.ob_c0, ...`) reference through `fk`
   * and that are not that tenant's (`kid`: the tenant id typed for `to`'s anchor), by tenant index.
   */
  private async referenced(fk: PlanForeignKey, to: OutsideTable, source: string, kid: string): Promise<ByTenant> {
    const columns = Object.keys(this.types[to.name] ?? {});
    const on = fk.referencedColumns.map((c, j) => `p.${quoteMysqlIdent(c)} = s.ob_c${j}`).join(' AND ');
    // Unqualified names in the predicate are `to`'s own: the source's columns are all named ob_*.
    const notTenants = to.planned ? `(${tenantPredicate(this.plan, to.planned, kid)}) IS NOT TRUE` : 'TRUE';
    const sql = `SELECT s.ob_i, ${columns.map((c) => `p.${quoteMysqlIdent(c)}`).join(',')} FROM ${source} JOIN ${quoteMysqlIdent(to.name)} p ON ${on} WHERE ${notTenants}`;
    // typeCast off: raw values, exactly as one tenant's lookup reads them (outside.ts).
    const [rows] = await this.client.query({ sql, rowsAsArray: true, typeCast: false });
    const out: ByTenant = new Map();
    for (const row of rows as unknown as RawRow[]) {
      const i = Number(row[0]!.toString());
      let list = out.get(i);
      if (!list) out.set(i, (list = []));
      list.push(row.slice(1));
    }
    return out;
  }
}
