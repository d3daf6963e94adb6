/**
 * Exact row counts for a whole-database dump from the rows pg_dump streamed (dump-stream-counter.ts)
 * rather than a second scan. They must equal what `SELECT count(*) FROM t` gives in the dump's
 * snapshot: a parent's count includes its partitions and inheritance children, which pg_dump dumps
 * as tables of their own. A relation whose rows the dump does not hold (a foreign partition, a child
 * in a schema a schema-mode dump leaves out, an extension's table) is counted with SQL, `ONLY`.
 */
import type pg from 'pg';
import type { TableInfo } from '../../archive/manifest.js';
import { qualified, quoteTable, type PgTable } from './catalog.js';
import type { DumpedTable } from './dump-stream-counter.js';

interface TreeRow {
  root_schema: string;
  root_name: string;
  schema: string;
  name: string;
  relkind: string;
}

/** Every table with its partitions and inheritance children (itself included), from the catalog. */
export async function inheritanceTree(client: pg.Client, tables: readonly PgTable[]): Promise<TreeRow[]> {
  const res = await client.query<TreeRow>(
    `WITH RECURSIVE roots AS (
       SELECT c.oid, r.s AS schema, r.t AS name
         FROM unnest($1::text[], $2::text[]) AS r(s, t)
         JOIN pg_namespace n ON n.nspname = r.s
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.t
     ), tree AS (
       SELECT oid AS root, oid AS rel FROM roots
       UNION SELECT tree.root, i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.rel
     )
     SELECT r.schema AS root_schema, r.name AS root_name, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind
       FROM tree JOIN roots r ON r.oid = tree.root JOIN pg_class c ON c.oid = tree.rel JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [tables.map((t) => t.schema), tables.map((t) => t.name)],
  );
  return res.rows;
}

/** The row count of each table, in the order given, as count(*) would report it. */
export async function rowCountsFromDump(client: pg.Client, tables: readonly PgTable[], tree: readonly TreeRow[], dumped: readonly DumpedTable[]): Promise<TableInfo[]> {
  const inDump = new Map(dumped.map((t) => [qualified(t), t.rows]));
  const counted = new Map<string, number>();
  const own = async (rel: PgTable, relkind: string): Promise<number> => {
    const key = qualified(rel);
    const fromDump = inDump.get(key);
    if (fromDump !== undefined) return fromDump;
    if (relkind === 'p') return 0; // a partitioned table holds no rows of its own
    let rows = counted.get(key);
    if (rows === undefined) {
      const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${quoteTable(rel)}`);
      rows = Number(res.rows[0]?.n ?? 0);
      counted.set(key, rows);
    }
    return rows;
  };
  const totals = new Map<string, number>();
  for (const row of tree) {
    const root = qualified({ schema: row.root_schema, name: row.root_name });
    totals.set(root, (totals.get(root) ?? 0) + (await own({ schema: row.schema, name: row.name }, row.relkind)));
  }
  const out: TableInfo[] = [];
  for (const table of tables) {
    // A table the tree query did not return is counted as before rather than reported as empty.
    const rows = totals.get(qualified(table)) ?? Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteTable(table)}`)).rows[0]?.n ?? 0);
    out.push({ name: qualified(table), rows });
  }
  return out;
}
