/**
 * export of a PostgreSQL rows archive through the built binary, no database involved in the export:
 * NDJSON values per type (NULL vs empty string, bytea, json, jsonb, arrays, timestamptz, timestamp,
 * numeric, bigint, boolean, float), a CSV that loads back with COPY ... CSV HEADER into rows equal
 * to the tenant's, index.json (tables, columns, types, row counts), and a damaged archive: exit 5,
 * no directory.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql } from '../helpers/pg.js';
import { configWith, createArchives, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

let db: string;
let tmp: { dir: string; cleanup(): Promise<void> };
let config: string;
let id: string;
let rows: Map<number, Record<string, unknown>>;
let lines: Map<number, string>;

const COLUMNS =
  'id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, t text, n numeric, big bigint, b bytea, j json, jb jsonb, ia int[], ta text[], ts timestamptz, tsn timestamp, flag boolean, f float8';

beforeAll(async () => {
  db = await createDb('obexp');
  await psql(db, {
    sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
          INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
          CREATE TABLE things (${COLUMNS});
          INSERT INTO things (id, org_id) VALUES (1, 1);
          INSERT INTO things (id, org_id, t, b, j, ta) VALUES (2, 1, '', '\\x'::bytea, '""', '{}');
          INSERT INTO things VALUES (3, 1, E'tab\\there\\nnew "quote", comma \\\\ back', 12345678901234567890.123456789012345678, 9223372036854775807,
            '\\x00ff0a5c'::bytea, '{"a": [1, 2.50, 12345678901234567890],
              "b": "x\\ny"}', '{"k": {"n": 1.0}}', '{1,NULL,3}', ARRAY['a,b', 'c"d', NULL, '', 'NULL', 'back\\slash'],
            '2026-01-02 03:04:05.123456+05:30', '2026-01-02 03:04:05.5', true, 1.5);
          INSERT INTO things (id, org_id, ia, f, flag) VALUES (4, 1, '{{1,2},{3,4}}', 'NaN', false);
          INSERT INTO things (id, org_id, t) VALUES (5, 2, 'other tenant');`,
  });
  tmp = await tempDir('orgbackup-e2e-export-');
  config = await configWith(tmp.dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }));
  [id] = (await createArchives(config, ['--tenant', '1'])) as [string];
  const out = path.join(tmp.dir, 'nd');
  const exported = await runCli(['-c', config, '--json', 'export', id, '--format', 'ndjson', '-o', out]);
  expect(exported.exitCode, exported.stderr).toBe(0);
  const text = await readFile(path.join(out, 'public.things.ndjson'), 'utf8');
  const list = text.trimEnd().split('\n');
  rows = new Map(list.map((l) => [JSON.parse(l).id as number, JSON.parse(l) as Record<string, unknown>]));
  lines = new Map(list.map((l) => [JSON.parse(l).id as number, l]));
});

afterAll(async () => {
  await dropDb(db).catch(() => undefined);
  await tmp?.cleanup();
});

describe('export --format ndjson', () => {
  it('exports only the tenant, one object per row', () => {
    expect([...rows.keys()].sort()).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['text NULL', 1, 't', null],
    ['text empty string', 2, 't', ''],
    ['text with tab, newline, quotes, backslash', 3, 't', 'tab\there\nnew "quote", comma \\ back'],
    ['numeric precision', 3, 'n', '12345678901234567890.123456789012345678'],
    ['bigint', 3, 'big', '9223372036854775807'],
    ['bytea (base64)', 3, 'b', Buffer.from([0x00, 0xff, 0x0a, 0x5c]).toString('base64')],
    ['bytea empty', 2, 'b', ''],
    ['bytea NULL', 1, 'b', null],
    ['json string', 2, 'j', ''],
    ['jsonb', 3, 'jb', { k: { n: 1 } }],
    ['int[] with NULL', 3, 'ia', [1, null, 3]],
    [
      'int[][]',
      4,
      'ia',
      [
        [1, 2],
        [3, 4],
      ],
    ],
    ['text[] with quotes, commas, NULL, empty, "NULL", backslash', 3, 'ta', ['a,b', 'c"d', null, '', 'NULL', 'back\\slash']],
    ['text[] empty', 2, 'ta', []],
    ['timestamp without time zone', 3, 'tsn', '2026-01-02T03:04:05.5'],
    ['boolean true', 3, 'flag', true],
    ['boolean false', 4, 'flag', false],
    ['float8', 3, 'f', 1.5],
    ['float8 NaN', 4, 'f', 'NaN'],
  ])('%s', (_name, row, column, expected) => {
    expect(rows.get(row)![column]).toEqual(expected);
  });

  it('json keeps its numbers exactly as written, on one line', () => {
    expect(lines.get(3)).toContain('"j":{"a": [1, 2.50, 12345678901234567890],');
    expect((rows.get(3)!.j as { b: string }).b).toBe('x\ny');
  });

  it('timestamptz: ISO 8601 with its offset and microseconds, the same instant', () => {
    const value = rows.get(3)!.ts as string;
    expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123456[+-]\d\d:\d\d$/);
    expect(new Date(value).getTime()).toBe(Date.UTC(2026, 0, 1, 21, 34, 5, 123));
  });

  it('index.json lists the tables, their columns and types, and row counts', async () => {
    const index = JSON.parse(await readFile(path.join(tmp.dir, 'nd', 'index.json'), 'utf8'));
    expect(index).toMatchObject({ archive: id, format: 'ndjson' });
    const things = index.tables.find((t: { name: string }) => t.name === 'public.things');
    expect(things).toMatchObject({ file: 'public.things.ndjson', rows: 4 });
    expect(things.columns.find((c: { name: string }) => c.name === 'n')).toEqual({ name: 'n', type: 'numeric', nullable: true, json: 'string' });
    expect(things.columns.find((c: { name: string }) => c.name === 'ia')).toEqual({ name: 'ia', type: 'integer[]', nullable: true, json: 'array' });
    expect(index.tables.find((t: { name: string }) => t.name === 'public.organizations')).toMatchObject({ rows: 1 });
  });
});

describe('export --format csv', () => {
  it('loads back with COPY ... CSV HEADER into the same rows (NULL and empty string apart)', async () => {
    const out = path.join(tmp.dir, 'csv');
    const exported = await runCli(['-c', config, '--json', 'export', id, '--format', 'csv', '-o', out]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect(exported.json.tables).toContainEqual({ name: 'public.things', file: 'public.things.csv', rows: 4 });
    const csv = await readFile(path.join(out, 'public.things.csv'), 'utf8');
    expect(csv.split('\n')[1]).toBe('"1","1",,,,,,,,,,,,');
    await psql(db, { sql: `CREATE TABLE loaded (${COLUMNS.replace(' REFERENCES organizations', '')});\n\\copy loaded FROM '${path.join(out, 'public.things.csv')}' WITH (FORMAT csv, HEADER)\n` });
    const digest = (table: string) => pgQuery<{ d: string }>(db, `SELECT string_agg(r::text, '|' ORDER BY id) AS d FROM ${table} r WHERE org_id = 1`);
    expect(await digest('loaded')).toEqual(await digest('things'));
  });

  it('refuses a damaged archive (exit 5) and leaves no directory', async () => {
    const key = (await readdir(path.join(tmp.dir, 'backups', 'app', '1'))).find((f) => f.endsWith('.zip'))!;
    const object = path.join(tmp.dir, 'backups', 'app', '1', key);
    const bytes = await readFile(object);
    const at = Math.floor(bytes.length / 3);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(object, bytes);
    const bad = await runCli(['-c', config, '--json', 'export', id, '--format', 'csv', '-o', path.join(tmp.dir, 'bad')]);
    expect(bad.exitCode, bad.stderr).toBe(5);
    expect((await readdir(tmp.dir)).filter((f) => f.includes('bad'))).toEqual([]);
  });
});
