/**
 * export of MySQL/MariaDB archives (rows mode and a whole database, mysqldump's SQL) in every
 * format, through the built binary, no database involved in the export: the .sql files load with
 * the stock client into an empty copy of the schema and give the same rows (compared with QUOTE()
 * of every column, so NULL and '' differ and bytes, decimals and microseconds are exact); NDJSON
 * and CSV values per type; index.json.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { configWith, createArchives } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const THINGS = `CREATE TABLE things (id int PRIMARY KEY, org_id int NOT NULL, t text, v varchar(50), n decimal(40,18), big bigint, ub bigint unsigned,
  b blob, vb varbinary(10), j json, dt datetime(6), ts timestamp(6) NULL, flag tinyint(1), f double, bits bit(3), e enum('a','b'),
  FOREIGN KEY (org_id) REFERENCES organizations (id)) DEFAULT CHARSET utf8mb4`;
const COLUMNS = ['id', 'org_id', 't', 'v', 'n', 'big', 'ub', 'b', 'vb', 'j', 'dt', 'ts', 'flag', 'f', 'bits', 'e'];

let db: string;
let tmp: { dir: string; cleanup(): Promise<void> };
const cases: { mode: string; id: string; config: string; where: string }[] = [];

beforeAll(async () => {
  db = await createMysqlDb('ob_exp');
  await mysqlExec(
    db,
    `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(20) NOT NULL);
     INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
     ${THINGS};
     SET time_zone = '+00:00';
     INSERT INTO things (id, org_id) VALUES (1, 1);
     INSERT INTO things (id, org_id, t, v, b, vb, j) VALUES (2, 1, '', '', '', '', '""');
     INSERT INTO things VALUES (3, 1, 'tab\\there\\nnew "quote", comma \\\\ back \\' single \\0 nul', 'ünïcødé 🎉', 12345678901234567890.123456789012345678,
       9223372036854775807, 18446744073709551615, 0x00ff0a5c27, 0x0d0a, '{"a": [1, 2.50, 12345678901234567890], "b": "x\\\\ny"}',
       '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.654321', 1, 1.5, b'101', 'b');
     INSERT INTO things (id, org_id, t) VALUES (4, 2, 'other tenant');`,
  );
  tmp = await tempDir('orgbackup-e2e-export-mysql-');
  await Promise.all(['r', 'w'].map((d) => mkdir(path.join(tmp.dir, d))));
  const rows = await configWith(path.join(tmp.dir, 'r'), { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } });
  const [rowsId] = await createArchives(rows, ['--tenant', '1']);
  cases.push({ mode: 'rows', id: rowsId!, config: rows, where: 'org_id = 1' });
  const whole = await configWith(path.join(tmp.dir, 'w'), { type: 'mysql', url: mysqlUrl(db) });
  const [wholeId] = await createArchives(whole);
  cases.push({ mode: 'none', id: wholeId!, config: whole, where: 'true' });
});

afterAll(async () => {
  await dropMysqlDb(db).catch(() => undefined);
  await tmp?.cleanup();
});

/** Every column through QUOTE(): NULL, '' and bytes stay apart, decimals and microseconds exact. */
async function quotedRows(database: string, where: string): Promise<string[]> {
  const rows = await mysqlQuery<{ r: string }>(database, `SELECT CONCAT_WS(',', ${COLUMNS.map((c) => `QUOTE(\`${c}\`)`).join(', ')}) AS r FROM things WHERE ${where} ORDER BY id`);
  return rows.map((r) => String(r.r));
}

async function exportTo(mode: string, format: string): Promise<string> {
  const c = cases.find((x) => x.mode === mode)!;
  const out = path.join(tmp.dir, `${mode}-${format}`);
  const res = await runCli(['-c', c.config, '--json', 'export', c.id, '--format', format, '-o', out]);
  expect(res.exitCode, res.stderr).toBe(0);
  expect(res.json.tables).toContainEqual({ name: 'things', file: `things.${format}`, rows: mode === 'rows' ? 3 : 4 });
  return out;
}

describe.each(['rows', 'none'])('export of a MySQL/MariaDB archive in tenant mode %s', (mode) => {
  const where = () => cases.find((x) => x.mode === mode)!.where;

  it('--format sql loads with the mysql client into an empty copy of the schema: the same rows', async () => {
    const out = await exportTo(mode, 'sql');
    const copy = await createMysqlDb('ob_expcopy');
    try {
      await mysqlExec(copy, `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(20) NOT NULL);\n${THINGS};`);
      const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as { dialect: string; tables: { file: string }[] };
      expect(index.dialect).toBe('mysql');
      for (const t of index.tables) await mysqlExec(copy, await readFile(path.join(out, t.file), 'utf8'));
      expect(await quotedRows(copy, 'true')).toEqual(await quotedRows(db, where()));
    } finally {
      await dropMysqlDb(copy);
    }
  });

  it('--format ndjson: the values of each type, and index.json', async () => {
    const out = await exportTo(mode, 'ndjson');
    const lines = (await readFile(path.join(out, 'things.ndjson'), 'utf8')).trimEnd().split('\n');
    const rows = new Map(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((r) => [r.id, r]));
    expect(rows.get(1)).toMatchObject({ t: null, v: null, b: null, j: null, dt: null });
    expect(rows.get(2)).toMatchObject({ t: '', v: '', b: '', vb: '' });
    expect(rows.get(3)).toMatchObject({
      t: 'tab\there\nnew "quote", comma \\ back \' single \0 nul',
      v: 'ünïcødé 🎉',
      n: '12345678901234567890.123456789012345678',
      big: '9223372036854775807',
      ub: '18446744073709551615',
      b: Buffer.from([0x00, 0xff, 0x0a, 0x5c, 0x27]).toString('base64'),
      vb: Buffer.from([0x0d, 0x0a]).toString('base64'),
      dt: '2026-01-02T03:04:05.123456',
      ts: '2026-01-02T03:04:05.654321+00:00',
      flag: 1,
      f: 1.5,
      bits: Buffer.from([5]).toString('base64'),
      e: 'b',
    });
    // MySQL keeps JSON as its own type (embedded as JSON); MariaDB as longtext (a string holding it).
    const j = rows.get(3)!.j;
    const parsed = (typeof j === 'string' ? JSON.parse(j) : j) as { a: number[]; b: string };
    expect([parsed.a.slice(0, 2), parsed.b]).toEqual([[1, 2.5], 'x\ny']);
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'));
    expect(index).toMatchObject({ archive: cases.find((x) => x.mode === mode)!.id, mode, format: 'ndjson', dialect: 'mysql' });
    const things = index.tables.find((t: { name: string }) => t.name === 'things');
    expect(things.columns.find((c: { name: string }) => c.name === 'n')).toMatchObject({ type: 'decimal(40,18)', json: 'string' });
    expect(things.columns.find((c: { name: string }) => c.name === 'b')).toMatchObject({ type: 'blob', json: 'base64' });
  });

  it('--format csv: NULL an empty unquoted field, an empty string "", binary in hex', async () => {
    const out = await exportTo(mode, 'csv');
    const csv = await readFile(path.join(out, 'things.csv'), 'utf8');
    const lines = csv.split('\n');
    expect(lines[0]).toBe(COLUMNS.map((c) => `"${c}"`).join(','));
    expect(lines[1]).toBe('"1","1",,,,,,,,,,,,,,');
    expect(lines[2]).toBe('"2","1","","",,,,"0x","0x","""""",,,,,,');
    expect(csv).toContain('"12345678901234567890.123456789012345678","9223372036854775807","18446744073709551615","0x00ff0a5c27","0x0d0a"');
  });
});
