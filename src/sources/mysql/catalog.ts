/** Catalog queries of the MySQL source: server facts, tables, columns and the schema fingerprint. */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { ColumnInfo, SchemaFingerprint } from '../../archive/manifest.js';
import { sha256Hex } from '../../archive/hashing.js';

export type MysqlFlavour = 'mariadb' | 'mysql';

export interface ServerFacts {
  /** `10.11.19-MariaDB-0+deb12u1`, `8.0.36`. */
  version: string;
  flavour: MysqlFlavour;
  major: number;
  /** `user@host` as the server sees the login (CURRENT_USER()). */
  account: string;
}

/** Schemas that belong to the server, never tenants. */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Table types holding rows: MariaDB also has system-versioned tables. */
const ROW_TABLE_TYPES = ['BASE TABLE', 'SYSTEM VERSIONED'];

export function flavourOf(versionText: string): MysqlFlavour {
  return /mariadb/i.test(versionText) ? 'mariadb' : 'mysql';
}

export function serverMajorOf(version: string): number {
  return Number(/^(\d+)/.exec(version)?.[1] ?? 0);
}

export async function serverFacts(client: mysql.Connection): Promise<ServerFacts> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT VERSION() AS version, CURRENT_USER() AS account');
  const version = String(rows[0]?.version ?? 'unknown');
  return { version, flavour: flavourOf(version), major: serverMajorOf(version), account: String(rows[0]?.account ?? '') };
}

export async function databaseExists(client: mysql.Connection, database: string): Promise<boolean> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
  return rows.length > 0;
}

export interface DatabaseCharset {
  charset: string;
  collation: string;
}

export async function databaseCharset(client: mysql.Connection, database: string): Promise<DatabaseCharset | undefined> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
    database,
  ]);
  const row = rows[0];
  return row ? { charset: String(row.charset), collation: String(row.collation) } : undefined;
}

/** Tables that hold rows (not views or sequences), sorted by name. */
export async function listTables(client: mysql.Connection, database: string): Promise<string[]> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN (?) ORDER BY TABLE_NAME', [
    database,
    ROW_TABLE_TYPES,
  ]);
  return rows.map((r) => String(r.name));
}

/** Each row table's collation (information_schema.TABLES.TABLE_COLLATION), by table name. */
export async function tableCollations(client: mysql.Connection, database: string): Promise<Map<string, string>> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN (?)', [
    database,
    ROW_TABLE_TYPES,
  ]);
  return new Map(rows.filter((r) => r.collation !== null).map((r) => [String(r.name), String(r.collation)]));
}

/** The tables' entries of a manifest with their collations (none where the server reports none). */
export function withCollations<T extends { name: string }>(tables: readonly T[], collations: ReadonlyMap<string, string>): (T & { collation?: string })[] {
  return tables.map((t) => {
    const collation = collations.get(t.name);
    return collation ? { ...t, collation } : t;
  });
}

export async function listViews(client: mysql.Connection, database: string): Promise<string[]> {
  const [rows] = await client.query<RowDataPacket[]>("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'VIEW' ORDER BY TABLE_NAME", [database]);
  return rows.map((r) => String(r.name));
}

/** Columns of the row tables: name, full column type (`enum('a','b')`, `varchar(20)`), nullability. */
export async function tableColumns(client: mysql.Connection, database: string): Promise<Map<string, ColumnInfo[]>> {
  const [rows] = await client.query<RowDataPacket[]>(
    `SELECT c.TABLE_NAME AS tbl, c.COLUMN_NAME AS name, c.COLUMN_TYPE AS type, c.IS_NULLABLE AS nullable
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE IN (?)
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
    [database, ROW_TABLE_TYPES],
  );
  const map = new Map<string, ColumnInfo[]>();
  for (const row of rows) {
    const list = map.get(String(row.tbl)) ?? [];
    list.push({ name: String(row.name), type: String(row.type), nullable: row.nullable === 'YES' });
    map.set(String(row.tbl), list);
  }
  return map;
}

/** Tables and their columns with a sha256 over a canonical form: what a restore must match. */
export async function schemaFingerprint(client: mysql.Connection, database: string, only?: readonly string[]): Promise<SchemaFingerprint> {
  const columns = await tableColumns(client, database);
  const keep = only ? new Set(only) : undefined;
  const tables = [...columns]
    .filter(([name]) => !keep || keep.has(name))
    .map(([name, cols]) => ({ name, columns: cols }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { sha256: sha256Hex(JSON.stringify(tables)), tables };
}
