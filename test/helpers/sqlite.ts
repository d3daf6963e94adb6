/** SQLite databases for tests, through the real sqlite3 CLI, and per-table data digests. */
import { createHash } from 'node:crypto';
import { execa } from 'execa';

export async function sqlite(db: string, sql: string): Promise<string> {
  const result = await execa('sqlite3', ['-init', '/dev/null', '-bail', '-batch', db], { input: sql });
  return result.stdout;
}

export async function sqliteJson<T = Record<string, unknown>>(db: string, sql: string): Promise<T[]> {
  const result = await execa('sqlite3', ['-init', '/dev/null', '-bail', '-batch', '-json', db], { input: sql });
  return result.stdout.trim() ? (JSON.parse(result.stdout) as T[]) : [];
}

export async function loadSqliteFile(db: string, file: string): Promise<void> {
  await execa('sqlite3', ['-init', '/dev/null', '-bail', '-batch', db], { inputFile: file });
}

/**
 * A digest per table: row count and sha256 of every row (as JSON, BLOBs in hex) in rowid order,
 * plus one for the schema (tables, indexes, views, triggers): equal digests, equal databases.
 */
export async function sqliteDigests(db: string): Promise<Record<string, string>> {
  const tables = await sqliteJson<{ name: string; sql: string }>(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name;");
  const out: Record<string, string> = {};
  const schema = await sqliteJson(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name;");
  out['(schema)'] = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  for (const { name } of tables) {
    const columns = await sqliteJson<{ name: string; type: string }>(db, `SELECT name, type FROM pragma_table_info('${name.replace(/'/g, "''")}');`);
    const select = columns.map((c) => (/BLOB/i.test(c.type) ? `hex("${c.name}")` : `"${c.name}"`)).join(', ');
    const rows = await sqliteJson(db, `SELECT ${select} FROM "${name}" ORDER BY rowid;`);
    out[name] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
  }
  return out;
}
