/**
 * Tenant mode `none` takes its row counts from the dump stream itself when pg_dump writes it
 * uncompressed (compression zstd on a database of 8 MiB or more, or compression none): the
 * sidecar's counts must still be exactly count(*), partitions and inheritance children included,
 * and the restore test (which compares them with the restored copy) must pass. The built binary
 * against the suite's PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, pgUrl, psql } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let db: string;
let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  db = await createDb('ob_nonecount');
  await psql(db, {
    sql: `CREATE TABLE notes (id int, body text);
          INSERT INTO notes SELECT g, E'a\\nb\\\\c ' || g FROM generate_series(1, 3000) g;
          INSERT INTO notes VALUES (0, E'\\\\.');
          CREATE TABLE blank (); INSERT INTO blank DEFAULT VALUES; INSERT INTO blank DEFAULT VALUES;
          CREATE TABLE events (at int, v text) PARTITION BY RANGE (at);
          CREATE TABLE events_a PARTITION OF events FOR VALUES FROM (0) TO (50);
          CREATE TABLE events_b PARTITION OF events FOR VALUES FROM (50) TO (100);
          INSERT INTO events SELECT g % 100, md5(g::text) FROM generate_series(1, 5000) g;
          CREATE TABLE animals (name text); CREATE TABLE dogs () INHERITS (animals);
          INSERT INTO animals VALUES ('a'); INSERT INTO dogs VALUES ('b'), ('c');
          -- Over 8 MiB of table data, so the zstd case has pg_dump write uncompressed.
          CREATE TABLE filler (id int, pad text);
          INSERT INTO filler SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 40000) g;`,
  });
  work = await tempDir();
}, 120_000);

afterAll(async () => {
  await dropDb(db);
  await work.cleanup();
});

async function expectedCounts(): Promise<Record<string, number>> {
  const rows = await pgQuery<{ name: string; n: number }>(
    db,
    `SELECT 'public.' || t AS name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', t), false, true, '')))[1]::text::int AS n
       FROM unnest(ARRAY['animals', 'blank', 'dogs', 'events', 'filler', 'notes']) AS t`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

describe('mode none row counts from the dump stream', () => {
  it.each(['zstd', 'none'])(
    'compression %s: sidecar counts equal count(*), restore test passes',
    async (compression) => {
      const backups = path.join(work.dir, `backups-${compression}`);
      const config = await writeConfig(work.dir, {
        version: 1,
        sources: { app: { type: 'postgres', url: pgUrl(db) } },
        storage: { local: { type: 'local', path: backups } },
        defaults: { compression },
      });
      const created = await runCli(['-c', config, '--json', '--verbose', 'create']);
      expect(created.exitCode, created.stderr).toBe(0);
      // The debug log says when counting fell back to SQL: it must not have.
      expect(created.stderr).not.toMatch(/row counts by SQL/);
      const id = (created.json.archives as { id: string }[])[0]!.id;
      const sidecar = JSON.parse(await readFile(path.join(backups, `${id}.manifest.json`), 'utf8')) as { tables: { name: string; rows: number }[]; entries?: unknown };
      expect(JSON.stringify(sidecar)).toContain(compression === 'zstd' ? 'db.pgdump.zst' : 'db.pgdump');
      expect(Object.fromEntries(sidecar.tables.map((t) => [t.name, t.rows]))).toEqual(await expectedCounts());

      const tested = await runCli(['-c', config, '--json', 'verify', id, '--restore-test']);
      const item = (tested.json as { archives: { error?: string; levels: number[] }[] }).archives[0]!;
      expect(item.error, tested.stderr).toBeUndefined();
      expect(item.levels).toEqual([1, 2, 3]);
    },
    180_000,
  );
});
