/** Catalog queries shared by the PostgreSQL tenant modes, preflight and restore checks. */
import type pg from 'pg';
import type { ColumnInfo, SchemaFingerprint, TableInfo } from '../../archive/manifest.js';
import { sha256Hex } from '../../archive/hashing.js';

export interface PgTable {
  schema: string;
  name: string;
}

export function qualified(table: PgTable): string {
  return `${table.schema}.${table.name}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteTable(table: PgTable): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

export async function serverVersion(client: pg.Client): Promise<string> {
  const res = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return res.rows[0]?.v ?? 'unknown';
}

/** Ordinary and partitioned tables outside the system schemas (optionally only `schemas`). */
export async function listTables(client: pg.Client, schemas?: readonly string[]): Promise<PgTable[]> {
  const res = await client.query<PgTable>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
      ORDER BY 1, 2`,
    [schemas ?? null],
  );
  return res.rows;
}

/** Exact row counts, read in the caller's transaction (so in its snapshot). */
export async function countRows(client: pg.Client, tables: readonly PgTable[]): Promise<TableInfo[]> {
  const out: TableInfo[] = [];
  for (const table of tables) {
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteTable(table)}`);
    out.push({ name: qualified(table), rows: Number(res.rows[0]?.n ?? 0) });
  }
  return out;
}

export async function tableColumns(client: pg.Client, tables: readonly PgTable[]): Promise<Map<string, ColumnInfo[]>> {
  const res = await client.query<{ schema: string; table: string; name: string; type: string; nullable: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND (n.nspname || '.' || c.relname) = ANY($1::text[])
      ORDER BY n.nspname, c.relname, a.attnum`,
    [tables.map(qualified)],
  );
  const map = new Map<string, ColumnInfo[]>();
  for (const row of res.rows) {
    const key = `${row.schema}.${row.table}`;
    const list = map.get(key) ?? [];
    list.push({ name: row.name, type: row.type, nullable: row.nullable });
    map.set(key, list);
  }
  return map;
}

/** Tables and their columns, with a sha256 over a canonical form: what a restore must match. */
export async function schemaFingerprint(client: pg.Client, tables: readonly PgTable[], rename?: (t: PgTable) => string): Promise<SchemaFingerprint> {
  const columns = await tableColumns(client, tables);
  const list = tables.map((t) => ({ name: rename ? rename(t) : qualified(t), columns: columns.get(qualified(t)) ?? [] }));
  list.sort((a, b) => a.name.localeCompare(b.name));
  return { sha256: sha256Hex(JSON.stringify(list)), tables: list };
}
