/**
 * Outside references of a MySQL/MariaDB rows archive (rows/outside.ts says what they are).
 *
 * At backup time, in the dump's consistent snapshot, the rows the tenant's rows reference through a
 * foreign key that can leave the tenant are read, then the rows those reference in turn, until
 * nothing new is found. Each table's rows become an entry `outside/<table>.sql[.zst]` written by
 * the same InsertWriter as the tenant's rows (so the same line checker guards its restore), in key
 * order, and are described in the manifest's `details.outside`. MySQL loads rows with foreign-key
 * checks off, so without them a restore into an empty database would not fail: it would leave
 * references dangling, which the restore's final foreign-key check refuses.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type mysql from 'mysql2/promise';
import { encodeTenant } from '../../../archive/layout.js';
import type { Compression } from '../../compression.js';
import { storeRowsEntry } from '../../rows/entries.js';
import { allPlanKeys, crossingKeys, MAX_OUTSIDE_HOPS, outsideTableMap, type OutsideReference, type OutsideTable } from '../../rows/outside.js';
import { loadOrder, type PlanForeignKey, type RowsPlan } from '../../rows/plan.js';
import type { DumpContext } from '../../types.js';
import { quoteMysqlIdent } from '../connection.js';
import { columnList, encodeValue, insertWriterFor, tenantPredicate, valueKind } from './sql.js';

/** What the manifest records: the outside rows stored per table (bare name and columns as written), and per foreign key how many it references. */
export interface MysqlOutsideDetails {
  tables: { table: string; name: string; columns: string[]; rows: number; entry: string }[];
  references: OutsideReference[];
}

/** A row as the server sent it: each column's raw text or bytes. */
export type RawRow = (Buffer | null)[];

/** Per table (qualified): each outside row's key -> the row. */
export interface Found {
  rows: Map<string, Map<string, RawRow>>;
  references: OutsideReference[];
}

/** Column -> DATA_TYPE per bare table name, in column order (the rows catalog's `types`). */
export type TableTypes = Record<string, Record<string, string>>;

/** Reads the tenant's outside references, in the caller's transaction (so in the dump's snapshot). */
export async function readMysqlOutsideRows(client: mysql.Connection, plan: RowsPlan, types: TableTypes, literal: string): Promise<Found> {
  const found: Found = { rows: new Map(), references: [] };
  const tables = outsideTableMap(plan);
  const reader = new OutsideReader(client, plan, types, literal);
  let frontier = new Map<string, RawRow[]>();
  for (const fk of crossingKeys(plan)) {
    const from = tables.get(fk.table)!.planned!;
    const keys = `SELECT ${columnList(fk.columns)} FROM ${quoteMysqlIdent(from.name)} WHERE ${tenantPredicate(plan, from, literal)}`;
    const rows = await reader.referenced(fk, tables.get(fk.references)!, keys);
    if (rows.length === 0) continue;
    found.references.push({ table: fk.table, foreignKey: fk.name, columns: fk.columns, references: fk.references, rows: rows.length });
    addNew(found, tables.get(fk.references)!, rows, frontier);
  }
  for (let hop = 1; frontier.size > 0; hop++) {
    if (hop > MAX_OUTSIDE_HOPS) throw new Error(`internal: outside references go on for more than ${MAX_OUTSIDE_HOPS} hops`);
    const next = new Map<string, RawRow[]>();
    for (const [table, rows] of frontier) {
      const name = tables.get(table)!.name;
      for (const fk of allPlanKeys(plan).filter((k) => k.table === table)) {
        const keys = reader.keyList(name, fk.columns, rows);
        if (keys) addNew(found, tables.get(fk.references)!, await reader.referenced(fk, tables.get(fk.references)!, keys), next);
      }
    }
    frontier = next;
  }
  return found;
}

class OutsideReader {
  constructor(
    private readonly client: mysql.Connection,
    private readonly plan: RowsPlan,
    private readonly types: TableTypes,
    private readonly literal: string,
  ) {}

  columnsOf(name: string): string[] {
    return Object.keys(this.types[name] ?? {});
  }

  /** The rows of `to` whose referenced columns are among `keys` (a subquery or a literal list) and that are not the tenant's. */
  async referenced(fk: PlanForeignKey, to: OutsideTable, keys: string): Promise<RawRow[]> {
    const left = fk.referencedColumns.length === 1 ? quoteMysqlIdent(fk.referencedColumns[0]!) : `(${columnList(fk.referencedColumns)})`;
    const notTenants = to.planned ? `(${tenantPredicate(this.plan, to.planned, this.literal)}) IS NOT TRUE` : 'TRUE';
    const sql = `SELECT ${columnList(this.columnsOf(to.name))} FROM ${quoteMysqlIdent(to.name)} WHERE ${left} IN (${keys}) AND ${notTenants}`;
    // typeCast off: raw values, exactly as the tenant's rows are read (dump.ts).
    const [rows] = await this.client.query({ sql, rowsAsArray: true, typeCast: false });
    return rows as unknown as RawRow[];
  }

  /** `(v, ...)` literals of the rows' values in `columns`, rows with a NULL among them left out; undefined when none remain. */
  keyList(name: string, columns: readonly string[], rows: readonly RawRow[]): string | undefined {
    const tuples = keyTuples(this.types, name, columns, rows);
    return tuples ? tuples.map((t) => (t.length === 1 ? t[0]! : `(${t.join(',')})`)).join(',') : undefined;
  }
}

/** The distinct tuples of literals of the rows' values in `columns`, rows with a NULL among them left out; undefined when none remain. */
export function keyTuples(types: TableTypes, name: string, columns: readonly string[], rows: readonly RawRow[]): string[][] | undefined {
  const all = Object.keys(types[name] ?? {});
  const kinds = types[name] ?? {};
  const positions = columns.map((c) => all.indexOf(c));
  if (positions.includes(-1)) return undefined;
  const tuples = new Map<string, string[]>();
  for (const row of rows) {
    const values = positions.map((p) => row[p] ?? null);
    if (values.includes(null)) continue;
    const encoded = values.map((v, i) => encodeValue(v, valueKind(kinds[columns[i]!])).toString('utf8'));
    tuples.set(encoded.join(','), encoded);
  }
  return tuples.size > 0 ? [...tuples.values()] : undefined;
}

export function addNew(found: Found, to: OutsideTable, rows: RawRow[], frontier: Map<string, RawRow[]>): void {
  let held = found.rows.get(to.table);
  if (!held) found.rows.set(to.table, (held = new Map<string, RawRow>()));
  for (const row of rows) {
    const key = rowKey(row);
    if (held.has(key)) continue;
    held.set(key, row);
    let next = frontier.get(to.table);
    if (!next) frontier.set(to.table, (next = []));
    next.push(row);
  }
}

/** The whole row as a key: a table without a primary key has no other, and a keyed one repeats its key. */
function rowKey(row: RawRow): string {
  return JSON.stringify(row.map((v) => (v === null ? null : v.toString('hex'))));
}

/** Stores each table's outside rows as an entry, parents first; undefined when there are none. */
export async function storeMysqlOutsideRows(ctx: DumpContext, plan: RowsPlan, types: TableTypes, found: Found, compression: Compression): Promise<MysqlOutsideDetails | undefined> {
  if (found.references.length === 0) return undefined;
  const tables = outsideTableMap(plan);
  const { order } = loadOrder([...found.rows.keys()], allPlanKeys(plan));
  const stored: MysqlOutsideDetails['tables'] = [];
  for (const table of order) {
    const held = found.rows.get(table)!;
    if (held.size === 0) continue;
    const name = tables.get(table)!.name;
    const columns = Object.keys(types[name] ?? {});
    const writer = insertWriterFor({ name, columns }, types[name] ?? {});
    const rows = [...held.keys()].sort().map((k) => held.get(k)!);
    const flowing = pipeline(Readable.from(rows, { objectMode: true }), writer);
    flowing.catch(() => undefined);
    const [entry] = await Promise.all([storeRowsEntry(ctx, `outside/${encodeTenant(name)}.sql`, writer, compression), flowing]);
    stored.push({ table, name, columns, rows: held.size, entry });
  }
  return { tables: stored, references: found.references };
}
