/**
 * export of SQLite archives through the built binary, no database involved but the archived copy:
 * values keep their storage class (SQLite types values, not columns: an untyped column holding an
 * integer, a real, text and a blob), full-precision reals, 64-bit integers, text with commas, quotes,
 * line breaks and NUL, blobs, NULL vs '', a WITHOUT ROWID table and an odd table name. The .sql files
 * load into an empty copy of the schema and give every value back with its class; NDJSON and CSV
 * per class; a damaged archive exports nothing (exit 5).
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { loadSqliteFile, sqlite, sqliteJson } from '../helpers/sqlite.js';
import { tempDir } from '../helpers/tmp.js';

const SCHEMA = `
  CREATE TABLE things (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, anything);
  CREATE TABLE "we,ird ""t""" (k TEXT PRIMARY KEY, v) WITHOUT ROWID;`;
const DATA = `
  INSERT INTO things VALUES (1, NULL, NULL, NULL, NULL, NULL);
  INSERT INTO things VALUES (2, 0, 0.0, '', X'', '');
  INSERT INTO things VALUES (3, 9223372036854775807, 0.1, 'comma, "quote" ''single''' || char(10) || 'line' || char(0) || 'nul ünï 🎉', X'00ff2c0a27', 42);
  INSERT INTO things VALUES (4, -9223372036854775808, 1.0000000000000002, '0x12', X'0102', 2.5);
  INSERT INTO things VALUES (5, 7, 1e300, 'x', NULL, 'text in an untyped column');
  INSERT INTO things VALUES (6, 8, -2.5e-300, 'y', NULL, X'cafe');
  INSERT INTO "we,ird ""t""" VALUES ('a,b', 1), ('c' || char(10) || 'd', NULL);`;

/** Each value as its class and exact bytes (reals to 17 digits): what a faithful export keeps. */
async function classified(db: string, table: string): Promise<string[]> {
  const columns = await sqliteJson<{ name: string }>(db, `SELECT name FROM pragma_table_info('${table.replace(/'/g, "''")}');`);
  const cells = columns.map(({ name }) => {
    const x = `"${name.replace(/"/g, '""')}"`;
    return `typeof(${x}) || ':' || CASE typeof(${x}) WHEN 'real' THEN printf('%!.17g', ${x}) ELSE hex(${x}) END`;
  });
  const rows = await sqliteJson<{ r: string }>(db, `SELECT ${cells.join(" || ',' || ")} AS r FROM "${table.replace(/"/g, '""')}" ORDER BY 1;`);
  return rows.map((row) => row.r).sort();
}

let tmp: { dir: string; cleanup(): Promise<void> };
let config: string;
let id: string;
const db = () => path.join(tmp.dir, 'app.db');

beforeAll(async () => {
  tmp = await tempDir('orgbackup-e2e-export-sqlite-');
  await sqlite(db(), SCHEMA + DATA);
  config = path.join(tmp.dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({ version: 1, sources: { app: { type: 'sqlite', path: db(), tenants: { mode: 'none' } } }, storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } } }),
  );
  const created = await runCli(['-c', config, '--json', 'create']);
  expect(created.exitCode, created.stderr).toBe(0);
  id = (created.json.archives as { id: string }[])[0]!.id;
});

afterAll(async () => {
  await tmp?.cleanup();
});

async function exportAs(format: string): Promise<{ dir: string; files: Map<string, string> }> {
  const dir = path.join(tmp.dir, `out-${format}`);
  const out = await runCli(['-c', config, '--json', 'export', id, '--format', format, '-o', dir]);
  expect(out.exitCode, out.stderr).toBe(0);
  const tables = out.json.tables as { name: string; file: string; rows: number }[];
  expect(tables.map((t) => [t.name, t.rows])).toEqual([
    ['things', 6],
    ['we,ird "t"', 2],
  ]);
  return { dir, files: new Map(tables.map((t) => [t.name, path.join(dir, t.file)])) };
}

describe('export of a SQLite archive', () => {
  it('--format sql loads into an empty copy of the schema with every value of the same class and bytes', async () => {
    const { files } = await exportAs('sql');
    const copy = path.join(tmp.dir, 'copy.db');
    await sqlite(copy, SCHEMA);
    for (const file of files.values()) await loadSqliteFile(copy, file);
    for (const table of ['things', 'we,ird "t"']) expect(await classified(copy, table), table).toEqual(await classified(db(), table));
  });

  it('--format ndjson writes each value by its storage class, and index.json the declared types', async () => {
    const { dir, files } = await exportAs('ndjson');
    const lines = (await readFile(files.get('things')!, 'utf8')).trim().split('\n');
    const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows[0]).toEqual({ id: 1, i: null, r: null, t: null, b: null, anything: null });
    expect(rows[1]).toEqual({ id: 2, i: 0, r: 0, t: '', b: '', anything: '' });
    expect(rows[2]).toMatchObject({ i: '9223372036854775807', r: 0.1, t: 'comma, "quote" \'single\'\nline\0nul ünï 🎉', b: Buffer.from('00ff2c0a27', 'hex').toString('base64'), anything: 42 });
    expect(rows[3]).toMatchObject({ r: 1.0000000000000002, t: '0x12', anything: 2.5 });
    expect(rows[4]).toMatchObject({ r: 1e300, anything: 'text in an untyped column' });
    expect(rows[5]).toMatchObject({ r: -2.5e-300, anything: Buffer.from('cafe', 'hex').toString('base64') });
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as { dialect: string; tables: { name: string; columns: { name: string; type: string }[] }[] };
    expect(index.dialect).toBe('sqlite');
    expect(index.tables[0]!.columns.map((c) => c.type)).toEqual(['INTEGER', 'INTEGER', 'REAL', 'TEXT', 'BLOB', '']);
  });

  it('--format csv keeps NULL and the empty string apart, and blobs as 0x hex', async () => {
    const { files } = await exportAs('csv');
    const text = await readFile(files.get('things')!, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('"id","i","r","t","b","anything"');
    expect(lines[1]).toBe('"1",,,,,');
    expect(lines[2]).toBe('"2","0","0.0","","0x",""');
    expect(text).toContain('"0x00ff2c0a27"');
  });

  it('a damaged archive exports nothing (exit 5)', async () => {
    const dir = path.join(tmp.dir, 'backups');
    const find = async (at: string): Promise<string> => {
      for (const entry of await readdir(at, { withFileTypes: true })) {
        const full = path.join(at, entry.name);
        if (entry.isDirectory()) return find(full);
        if (entry.name.endsWith('.zip')) return full;
      }
      throw new Error('no archive');
    };
    const archive = await find(dir);
    const bytes = await readFile(archive);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(archive, bytes);
    const out = path.join(tmp.dir, 'out-damaged');
    const res = await runCli(['-c', config, 'export', id, '--format', 'ndjson', '-o', out]);
    expect(res.exitCode, res.stderr).toBe(5);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});
