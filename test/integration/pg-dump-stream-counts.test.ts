/**
 * Row counts read from pg_dump's own stream (issue 19, goal 4) must equal count(*) in the same
 * database for every table shape pg_dump writes differently: rows with escaped newlines and
 * backslashes, a value that is `\.`, zero-column rows, an empty table, partitions, inheritance
 * children (counted into their parent, as count(*) does), a large object block, and rows longer
 * than one read. Every chunking of the stream gives the same counts; anything the parser does not
 * know gives no counts at all, never wrong ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { createDb, dropDb, pgQuery, pgUrl, psql } from '../helpers/pg.js';
import { DumpStreamCounter } from '../../src/sources/postgres/dump-stream-counter.js';
import { inheritanceTree, rowCountsFromDump } from '../../src/sources/postgres/dump-row-counts.js';
import { listTables } from '../../src/sources/postgres/catalog.js';

const run = promisify(execFile);
let db: string;
let plain: Buffer;

const SEED = `
  CREATE TABLE texts (id int, body text);
  INSERT INTO texts SELECT g, E'line\\none\\\\two\\tthree' || g FROM generate_series(1, 500) g;
  INSERT INTO texts VALUES (501, E'\\\\.'), (502, '.'), (503, NULL), (504, '');
  CREATE TABLE nothing ();
  INSERT INTO nothing DEFAULT VALUES; INSERT INTO nothing DEFAULT VALUES; INSERT INTO nothing DEFAULT VALUES;
  CREATE TABLE empty (id int);
  CREATE TABLE wide (id int, blob text);
  INSERT INTO wide SELECT g, repeat(md5(g::text), 4000) FROM generate_series(1, 40) g;
  CREATE TABLE measures (at int, v int) PARTITION BY RANGE (at);
  CREATE TABLE measures_a PARTITION OF measures FOR VALUES FROM (0) TO (100);
  CREATE TABLE measures_b PARTITION OF measures FOR VALUES FROM (100) TO (200) PARTITION BY RANGE (at);
  CREATE TABLE measures_b1 PARTITION OF measures_b FOR VALUES FROM (100) TO (200);
  INSERT INTO measures SELECT g % 200, g FROM generate_series(1, 999) g;
  CREATE TABLE animals (name text);
  CREATE TABLE dogs () INHERITS (animals);
  CREATE SCHEMA other;
  CREATE TABLE other.cats () INHERITS (animals);
  INSERT INTO animals VALUES ('generic');
  INSERT INTO dogs VALUES ('rex'), ('fido');
  INSERT INTO other.cats VALUES ('tom'), ('kit'), ('felix');
  SELECT lo_from_bytea(0, decode(repeat('ab', 70000), 'hex'));
`;

async function pgDump(args: string[]): Promise<Buffer> {
  const out = await run('pg_dump', ['--format=custom', ...args, '--dbname', pgUrl(db)], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return out.stdout;
}

function countIn(stream: Buffer, chunkSize: number) {
  const counter = new DumpStreamCounter();
  for (let at = 0; at < stream.length; at += chunkSize) counter.feed(stream.subarray(at, at + chunkSize));
  return { rows: counter.result(), failure: counter.failure };
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl(db) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createDb('ob_dumpcount');
  await psql(db, { sql: SEED });
  plain = await pgDump(['--compress=0']);
}, 60_000);

afterAll(async () => {
  await dropDb(db);
});

describe('rows counted from the dump stream', () => {
  it.each([1, 5, 6, 4096, 65_536, Number.MAX_SAFE_INTEGER])('every table, chunks of %i bytes, equals count(*) FROM ONLY', async (size) => {
    const { rows, failure } = countIn(plain, size);
    expect(failure).toBe('');
    const expected = await pgQuery<{ schema: string; name: string; rows: string }>(
      db,
      `SELECT n.nspname AS schema, c.relname AS name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname IN ('public', 'other') ORDER BY 1, 2`,
    );
    const got = [...(rows ?? [])].sort((a, b) => `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`));
    expect(got).toEqual(expected.map((e) => ({ schema: e.schema, name: e.name, rows: Number(e.rows) })));
  });

  it('gives each listed table the count count(*) gives, partitions and children included', async () => {
    const { rows } = countIn(plain, 65_536);
    const counts = await withClient(async (client) => {
      const tables = await listTables(client);
      return rowCountsFromDump(client, tables, await inheritanceTree(client, tables), rows ?? []);
    });
    const byName = Object.fromEntries(counts.map((t) => [t.name, t.rows]));
    expect(byName).toMatchObject({ 'public.texts': 504, 'public.nothing': 3, 'public.empty': 0, 'public.wide': 40, 'public.measures': 999, 'public.animals': 6, 'public.dogs': 2, 'other.cats': 3 });
  });

  it('counts a child the dump leaves out (another schema) with SQL, as count(*) would', async () => {
    const onlyPublic = await pgDump(['--compress=0', '--schema=public']);
    const { rows } = countIn(onlyPublic, 65_536);
    expect(rows?.some((t) => t.schema === 'other')).toBe(false);
    const counts = await withClient(async (client) => {
      const tables = await listTables(client, ['public']);
      return rowCountsFromDump(client, tables, await inheritanceTree(client, tables), rows ?? []);
    });
    expect(counts.find((t) => t.name === 'public.animals')?.rows).toBe(6);
  });
});

describe('streams it cannot count give no counts', () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ['compressed by pg_dump', () => pgDump(['--compress=6']), /compressed/],
    ['not a dump at all', async () => Buffer.from('PGDMQ this is no archive at all, only text that is long enough'), /not a pg_dump/],
    ['cut inside the table of contents', async () => plain.subarray(0, 300), /table of contents/],
    ['cut inside a data block', async () => plain.subarray(0, plain.length - 7), /inside a data block/],
    ['a data block of an unknown type', async () => withBlockType(plain, 9), /unknown data block type/],
  ];
  it.each(cases)('%s', async (_name, make, reason) => {
    const { rows, failure } = countIn(await make(), 4096);
    expect(rows).toBeUndefined();
    expect(failure).toMatch(reason);
  });
});

/** The stream with the type byte of its first data block replaced. */
function withBlockType(stream: Buffer, type: number): Buffer {
  const copy = Buffer.from(stream);
  copy[tocLength(copy)] = type;
  return copy;
}

/** How many bytes header and TOC take: the shortest prefix after which the counter is past its TOC. */
function tocLength(stream: Buffer): number {
  const pastToc = (end: number) => {
    const counter = new DumpStreamCounter();
    counter.feed(stream.subarray(0, end));
    counter.result();
    return !/table of contents/.test(counter.failure);
  };
  let [low, high] = [1, stream.length];
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (pastToc(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}
