/**
 * export, diff and restore --as read their archives from remote storage as they do from a local
 * one: the same PostgreSQL rows tenant is archived to an S3 server (s3rver) and to an rclone remote,
 * with no local storage in the config, and through the built binary each storage's archives are
 * exported (every value compared with the database's), diffed (with each other and with the live
 * rows) and cloned as a new tenant (rows equal modulo keys, the archived tenant untouched).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { startRclone, type RcloneFixture } from '../helpers/rclone.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { cli, queryDigests } from '../helpers/tenants.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

const SCHEMA = `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL);
  CREATE TABLE items (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, title text, price numeric(12,2), tags text[], blob bytea);
  CREATE TABLE notes (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, item_id int NOT NULL REFERENCES items, body text);
  INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
  INSERT INTO items (org_id, title, price, tags, blob) SELECT 1 + g % 2, 'item ' || g, g * 1.25, ARRAY['t' || g, NULL], decode(lpad(to_hex(g), 4, '0'), 'hex') FROM generate_series(1, 40) g;
  INSERT INTO items (org_id, title, price) VALUES (1, '', NULL);
  INSERT INTO notes (org_id, item_id, body) SELECT org_id, id, 'note of ' || title FROM items WHERE id % 3 = 0;`;

/** Tenant 1 (even item ids): two items changed, one removed (its note first), one added; tenant 2's item 3 changes too (never counted). */
const CHANGES = `UPDATE items SET price = 999.99 WHERE id = 4;
  DELETE FROM notes WHERE item_id = 6; DELETE FROM items WHERE id = 6;
  INSERT INTO items (id, org_id, title) VALUES (1000, 1, 'added');
  UPDATE items SET title = 'changed' WHERE id IN (2, 3);`;

/** Tenant `org`'s rows without their keys; a note's item is followed within the tenant only. */
function withoutKeys(org: number): Record<string, string> {
  return {
    items: `SELECT title, price, tags, blob FROM items WHERE org_id = ${org}`,
    notes: `SELECT n.body, i.title FROM notes n LEFT JOIN items i ON i.id = n.item_id AND i.org_id = n.org_id WHERE n.org_id = ${org}`,
  };
}

let s3: S3rverHandle;
let rc: RcloneFixture;
let tmp: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];

beforeAll(async () => {
  [s3, rc, tmp] = await Promise.all([startS3rver(), startRclone(), tempDir('orgbackup-e2e-remote-life-')]);
});

afterAll(async () => {
  for (const db of databases) await dropDb(db).catch(() => undefined);
  await Promise.all([s3?.stop(), rc?.stop(), tmp?.cleanup()]);
});

const STORAGES: Record<string, () => Record<string, unknown>> = {
  s3: () => s3StorageConfig(s3, { prefix: 'life' }),
  rclone: () => ({ type: 'rclone', remote: `${rc.localRemote}/life`, configFile: rc.configFile }),
};

describe.each(['s3', 'rclone'])('export, diff and restore --as from %s storage', (storage) => {
  let db: string;
  let config: string;
  let first: string;
  let second: string;
  let liveItems: Record<string, unknown>[];

  async function create(): Promise<string> {
    const res = await cli(config, 'create', '--tenant', '1');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.storages).toEqual([storage]);
    return res.json.archives[0].id as string;
  }

  beforeAll(async () => {
    db = await createDb('obremlife');
    databases.push(db);
    await psql(db, { sql: SCHEMA });
    // The only storage in the config: every command has to read the archive back from it.
    config = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } } },
        storage: { [storage]: STORAGES[storage]!() },
      },
      `${storage}.json`,
    );
    first = await create();
    await psql(db, { sql: CHANGES });
    second = await create();
    liveItems = await pgQuery(db, `SELECT id, org_id, title, price::text AS price, tags, encode(blob, 'base64') AS blob FROM items WHERE org_id = 1 ORDER BY id`);
  });

  it('exports the archive as NDJSON with every value equal to the database', async () => {
    const out = path.join(tmp.dir, `export-${storage}`);
    const res = await cli(config, 'export', second, '--format', 'ndjson', '-o', out);
    expect(res.exitCode, res.stderr).toBe(0);
    const lines = (await readFile(path.join(out, 'public.items.ndjson'), 'utf8')).trimEnd().split('\n');
    const exported = lines.map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => Number(a.id) - Number(b.id));
    expect(exported).toEqual(liveItems);
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'));
    const notes = await pgQuery<{ n: number }>(db, 'SELECT count(*)::int AS n FROM notes WHERE org_id = 1');
    expect(index.tables.find((t: { name: string }) => t.name === 'public.notes').rows).toBe(notes[0]!.n);
  });

  it('diffs the two archives by primary key, and the newest archive with the unchanged live rows', async () => {
    const res = await cli(config, 'diff', first, second);
    expect(res.exitCode, res.stderr).toBe(0);
    const items = res.json.tables.find((t: { name: string }) => t.name === 'public.items');
    expect(items).toMatchObject({ added: 1, removed: 1, changed: 2, samples: { added: ['1000'], removed: ['6'], changed: ['2', '4'] } });
    expect(res.json.tables.find((t: { name: string }) => t.name === 'public.notes')).toMatchObject({ added: 0, removed: 1, changed: 0 });
    const live = await cli(config, 'diff', second, '--live');
    expect(live.exitCode, live.stderr).toBe(0);
    expect(live.json.identical, JSON.stringify(live.json.tables)).toBe(true);
  });

  it('clones the tenant as a new one: rows equal modulo keys, the archived tenant untouched', async () => {
    const asId = 71;
    const source = await queryDigests(db, withoutKeys(1));
    const before = await tableDigests(db);
    const dry = await cli(config, 'restore', second, '--as', String(asId), '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(before);
    const done = await cli(config, 'restore', second, '--as', String(asId), '--yes');
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.as).toBe(String(asId));
    expect(await queryDigests(db, withoutKeys(asId))).toEqual(source);
    expect(await queryDigests(db, withoutKeys(1))).toEqual(source);
    const reused = await pgQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM items a JOIN items b ON b.id = a.id WHERE a.org_id = ${asId} AND b.org_id = 1`);
    expect(reused[0]!.n).toBe(0);
  });

  it('get, delete --force and import put the newest archive back under its own id, and restore --as reads it again', async () => {
    const file = path.join(tmp.dir, `${storage}-second.zip`);
    expect((await cli(config, 'get', second, '-o', file)).exitCode).toBe(0);
    const deleted = await cli(config, 'delete', second, '--yes', '--force');
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    const ids = async () => ((await cli(config, 'list', '--tenant', '1')).json.archives as { id: string }[]).map((a) => a.id);
    expect(await ids()).toEqual([first]);
    const imported = await cli(config, 'import', file);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.json.storages).toEqual([expect.objectContaining({ name: storage, status: 'stored' })]);
    expect((await ids()).sort()).toEqual([first, second].sort());
    const again = await cli(config, 'restore', second, '--as', '73', '--dry-run');
    expect(again.exitCode, again.stderr).toBe(0);
  });
});
