/**
 * What rows mode needs from the MySQL catalog: the database's tables with their (non-generated)
 * columns, primary keys and foreign keys, in the engine-neutral shape of rows/plan.ts, plus each
 * column's data type (which decides how a value is written: hex, bare number or quoted string).
 * The plan's `schema` is the source database; SQL always uses bare table names, so an archive
 * restores into any database (--target).
 */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { PlanForeignKey, PlanTableInput } from '../../rows/plan.js';

export interface MysqlRowsCatalog {
  tables: PlanTableInput[];
  foreignKeys: PlanForeignKey[];
  /** `table` -> column -> DATA_TYPE (`bigint`, `blob`, `enum`...). */
  types: Record<string, Record<string, string>>;
}

export async function readMysqlRowsCatalog(client: mysql.Connection, database: string): Promise<MysqlRowsCatalog> {
  const [columns] = await client.query<RowDataPacket[]>(
    `SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS name, c.IS_NULLABLE AS nullable, c.DATA_TYPE AS type, c.COLUMN_KEY AS k, c.EXTRA AS extra
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
    [database],
  );
  const [keys] = await client.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const tables = new Map<string, PlanTableInput>();
  const types: Record<string, Record<string, string>> = {};
  for (const row of columns) {
    const name = String(row.t);
    // Generated columns are computed by the server; they can be neither written nor needed.
    if (/GENERATED/i.test(String(row.extra))) continue;
    const table = tables.get(name) ?? { schema: database, name, columns: [], primaryKey: [] };
    table.columns.push({ name: String(row.name), nullable: row.nullable === 'YES' });
    tables.set(name, table);
    (types[name] ??= {})[String(row.name)] = String(row.type).toLowerCase();
  }
  for (const row of keys) tables.get(String(row.t))?.primaryKey.push(String(row.c));
  return { tables: [...tables.values()], foreignKeys: await readForeignKeys(client, database), types };
}

async function readForeignKeys(client: mysql.Connection, database: string): Promise<PlanForeignKey[]> {
  const [rows] = await client.query<RowDataPacket[]>(
    `SELECT k.CONSTRAINT_NAME AS name, k.TABLE_NAME AS t, k.COLUMN_NAME AS c, k.REFERENCED_TABLE_NAME AS r, k.REFERENCED_COLUMN_NAME AS rc
       FROM information_schema.KEY_COLUMN_USAGE k
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [database, database],
  );
  const byKey = new Map<string, PlanForeignKey>();
  for (const row of rows) {
    const id = `${String(row.t)}|${String(row.name)}`;
    const fk = byKey.get(id) ?? { name: String(row.name), table: `${database}.${String(row.t)}`, columns: [], references: `${database}.${String(row.r)}`, referencedColumns: [], deferrable: false };
    fk.columns.push(String(row.c));
    fk.referencedColumns.push(String(row.rc));
    byKey.set(id, fk);
  }
  return [...byKey.values()];
}
