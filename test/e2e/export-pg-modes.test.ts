/**
 * export of PostgreSQL archives in every tenant mode (rows, schema, whole database) and every
 * format, through the built binary: the rows-mode and pg_dump entries are read without a
 * database. Each format is loaded back and compared with the source: CSV with COPY ... CSV
 * HEADER, the .sql files with psql into an empty copy of the schema (pg_dump --schema-only), and
 * NDJSON value by value for the types that round-trip badly (NULL vs '', bytea, json, arrays,
 * timestamptz, numeric precision).
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, pgUrl, psql } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const COLUMNS =
  'id int PRIMARY KEY, org_id int NOT NULL, t text, n numeric, big bigint, b bytea, j json, jb jsonb, ia int[], ta text[], ts timestamptz, tsn timestamp, flag boolean, f float8, gen int GENERATED ALWAYS AS IDENTITY';
const ROWS = `INSERT INTO things (id, org_id) VALUES (1, 1);
  INSERT INTO things (id, org_id, t, b, j, ta) VALUES (2, 1, '', '\\x'::bytea, '""', '{}');
  INSERT INTO things (id, org_id, t, n, big, b, j, jb, ia, ta, ts, tsn, flag, f) VALUES (3, 1, E'tab\\there\\nnew "quote", comma \\\\ back '' single',
    12345678901234567890.123456789012345678, 9223372036854775807, '\\x00ff0a5c27'::bytea, '{"a": [1, 2.50, 12345678901234567890], "b": "x\\ny"}',
    '{"k": {"n": 1.0}}', '{1,NULL,3}', ARRAY['a,b', 'c"d', NULL, '', 'NULL', 'back\\slash'], '2026-01-02 03:04:05.123456+05:30', '2026-01-02 03:04:05.5', true, 1.5);
  INSERT INTO things (id, org_id, ia, f, flag) VALUES (4, 1, '{{1,2},{3,4}}', 'NaN', false);
  INSERT INTO things (id, org_id, t) VALUES (5, 2, 'other tenant');`;

let db: string;
let tmp: { dir: string; cleanup(): Promise<void> };
const made: string[] = [];

interface Case {
  mode: string;
  id: string;
  config: string;
  table: string;
  /** The rows the export must hold, as a WHERE over the source table. */
  where: string;
}
const cases: Case[] = [];

beforeAll(async () => {
  db = await createDb('obexpm');
  await psql(db, {
    sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
          INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
          CREATE TABLE things (${COLUMNS}, FOREIGN KEY (org_id) REFERENCES organizations);
          ${ROWS}
          CREATE SCHEMA tenant_acme;
          SET search_path = tenant_acme;
          CREATE TABLE things (${COLUMNS});
          ${ROWS}`,
  });
  tmp = await tempDir('orgbackup-e2e-export-modes-');
  const rows = await configWith(path.join(tmp.dir), pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }));
  const [rowsId] = await createArchives(rows, ['--tenant', '1']);
  cases.push({ mode: 'rows', id: rowsId!, config: rows, table: 'public.things', where: 'org_id = 1' });
  const wholeDir = await tempDir('orgbackup-e2e-export-whole-');
  made.push(wholeDir.dir);
  const whole = await configWith(wholeDir.dir, pgSource(db));
  const [wholeId] = await createArchives(whole);
  cases.push({ mode: 'database', id: wholeId!, config: whole, table: 'public.things', where: 'true' });
  const schemaDir = await tempDir('orgbackup-e2e-export-schema-');
  made.push(schemaDir.dir);
  const schema = await configWith(schemaDir.dir, pgSource(db, { mode: 'schema', match: 'tenant\\_%' }));
  const [schemaId] = await createArchives(schema);
  cases.push({ mode: 'schema', id: schemaId!, config: schema, table: 'tenant_acme.things', where: 'true' });
});

afterAll(async () => {
  await dropDb(db).catch(() => undefined);
  await tmp?.cleanup();
  await Promise.all(made.map((dir) => execa('rm', ['-rf', dir])));
});

async function exportTo(c: Case, format: string): Promise<string> {
  const out = path.join(tmp.dir, `${c.mode}-${format}`);
  const res = await runCli(['-c', c.config, '--json', 'export', c.id, '--format', format, '-o', out]);
  expect(res.exitCode, res.stderr).toBe(0);
  expect(res.json.tables).toContainEqual({ name: c.table, file: `${c.table}.${format}`, rows: c.where === 'true' ? 5 : 4 });
  return out;
}

const digest = async (database: string, table: string, where: string) =>
  pgQuery<{ d: string }>(database, `SELECT count(*) || ':' || md5(string_agg(r::text, '|' ORDER BY id)) AS d FROM ${table} r WHERE ${where}`);

describe.each(['rows', 'database', 'schema'])('export of a PostgreSQL %s archive', (mode) => {
  const c = () => cases.find((x) => x.mode === mode)!;

  it('--format sql loads with psql into an empty copy of the schema: the same rows', async () => {
    const out = await exportTo(c(), 'sql');
    const copy = await createDb('obexpcopy');
    try {
      const schemaSql = (await execa('pg_dump', ['--schema-only', '--no-owner', '-d', pgUrl(db)])).stdout;
      await psql(copy, { sql: schemaSql });
      const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as { dialect: string; tables: { file: string }[] };
      expect(index.dialect).toBe('postgresql');
      for (const t of index.tables) await psql(copy, { file: path.join(out, t.file) });
      expect(await digest(copy, c().table, 'true')).toEqual(await digest(db, c().table, c().where));
    } finally {
      await dropDb(copy);
    }
  });

  it('--format csv loads back with COPY ... CSV HEADER into the same rows', async () => {
    const out = await exportTo(c(), 'csv');
    const loaded = `loaded_${mode}`;
    await psql(db, {
      sql: `CREATE TABLE ${loaded} (${COLUMNS.replace(' GENERATED ALWAYS AS IDENTITY', '')});\n\\copy ${loaded} FROM '${path.join(out, `${c().table}.csv`)}' WITH (FORMAT csv, HEADER)\n`,
    });
    expect(await digest(db, loaded, 'true')).toEqual(await digest(db, c().table, c().where));
  });

  it('--format ndjson: the values of each type, and index.json with columns, types and counts', async () => {
    const out = await exportTo(c(), 'ndjson');
    const rows = new Map(
      (await readFile(path.join(out, `${c().table}.ndjson`), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .map((r) => [r.id, r]),
    );
    expect(rows.get(1)).toMatchObject({ t: null, b: null, j: null });
    expect(rows.get(2)).toMatchObject({ t: '', b: '', j: '', ta: [] });
    expect(rows.get(3)).toMatchObject({
      t: 'tab\there\nnew "quote", comma \\ back \' single',
      n: '12345678901234567890.123456789012345678',
      big: '9223372036854775807',
      b: Buffer.from([0x00, 0xff, 0x0a, 0x5c, 0x27]).toString('base64'),
      jb: { k: { n: 1 } },
      ia: [1, null, 3],
      ta: ['a,b', 'c"d', null, '', 'NULL', 'back\\slash'],
      tsn: '2026-01-02T03:04:05.5',
      flag: true,
      f: 1.5,
    });
    expect(new Date(rows.get(3)!.ts as string).getTime()).toBe(Date.UTC(2026, 0, 1, 21, 34, 5, 123));
    expect(rows.get(4)).toMatchObject({
      ia: [
        [1, 2],
        [3, 4],
      ],
      f: 'NaN',
      flag: false,
    });
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'));
    // A whole-database source has tenant mode none.
    expect(index).toMatchObject({ archive: c().id, mode: mode === 'database' ? 'none' : mode, format: 'ndjson', dialect: 'postgresql' });
    const things = index.tables.find((t: { name: string }) => t.name === c().table);
    expect(things).toMatchObject({ file: `${c().table}.ndjson`, rows: c().where === 'true' ? 5 : 4 });
    expect(things.columns.find((col: { name: string }) => col.name === 'n')).toMatchObject({ type: 'numeric', json: 'string' });
    expect(things.columns.find((col: { name: string }) => col.name === 'ts')).toMatchObject({ type: 'timestamp with time zone', json: 'timestamp' });
  });
});
