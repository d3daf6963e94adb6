/**
 * The bytes a restore loads are the bytes it verified: the built binary restores from S3 (s3rver)
 * through a proxy that injects one fault, on the restore's second read of the archive object (the
 * first is the verify pass) it serves another, valid archive of the same tenant (taken later, with
 * same-length values changed and no compression, so the same entry names and sizes, other bytes). Every path must notice that the loaded entry differs
 * from the manifest and leave the target as it was (exit 5), never commit what it loaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { s3StorageSchema } from '../../src/config/schema.js';
import { S3Storage } from '../../src/storage/s3.js';
import { runCli } from '../helpers/cli.js';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlExec, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, pgQuery, psql, pgUrl, tableDigests } from '../helpers/pg.js';
import { startFaultProxy } from '../helpers/s3-fault-proxy.js';
import { s3StorageConfig, startS3rver } from '../helpers/s3rver.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Engine {
  name: string;
  /** A new database holding the archived state; its source config. */
  setup(): Promise<{ source: Record<string, unknown>; run: (sql: string) => Promise<void>; digests: () => Promise<Record<string, string>> }>;
  table: string;
}

const ENGINES: Engine[] = [
  {
    name: 'PostgreSQL database (plain db.pgdump)',
    table: 'items',
    async setup() {
      const db = await createDb('ob2read');
      cleanups.push(() => dropDb(db));
      const run = (sql: string) => psql(db, { sql });
      await run("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'a' || g FROM generate_series(1, 50) g;");
      return { source: { type: 'postgres', url: pgUrl(db) }, run, digests: () => tableDigests(db) };
    },
  },
  {
    name: 'PostgreSQL schema mode',
    table: 'tenant_acme.items',
    async setup() {
      const db = await createDb('ob2reads');
      cleanups.push(() => dropDb(db));
      const run = (sql: string) => psql(db, { sql });
      await run("CREATE SCHEMA tenant_acme; CREATE TABLE tenant_acme.items (id int PRIMARY KEY, name text); INSERT INTO tenant_acme.items SELECT g, 'a' || g FROM generate_series(1, 50) g;");
      return { source: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'schema', match: 'tenant\\_%' } }, run, digests: () => tableDigests(db, ['tenant_acme']) };
    },
  },
  {
    name: 'PostgreSQL rows mode',
    table: 'items',
    async setup() {
      const db = await createDb('ob2readr');
      cleanups.push(() => dropDb(db));
      const run = (sql: string) => psql(db, { sql });
      await run(
        "CREATE TABLE orgs (id int PRIMARY KEY); INSERT INTO orgs VALUES (1), (2); CREATE TABLE items (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, name text); INSERT INTO items SELECT g, 1 + g % 2, 'a' || g FROM generate_series(1, 50) g; UPDATE items SET org_id = 1 WHERE id IN (2, 3);",
      );
      return { source: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id FROM orgs WHERE id = 1' } }, run, digests: () => tableDigests(db) };
    },
  },
  {
    name: 'MySQL whole database',
    table: 'aitems',
    async setup() {
      const db = await createMysqlDb('ob2read');
      cleanups.push(() => dropMysqlDb(db));
      const run = (sql: string) => mysqlExec(db, sql);
      // The client runs statements as it reads them: the changed table comes first in the dump and
      // 8 MiB of other rows after it, so it is loaded long before the entry's last byte is hashed.
      const filler = Array.from({ length: 80 }, (_, i) => `(${i}, REPEAT('x', 100000))`).join(',');
      await run(
        `CREATE TABLE aitems (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO aitems VALUES (1, 'a1'), (2, 'a2'), (3, 'a3'); CREATE TABLE zfiller (id INT PRIMARY KEY, data MEDIUMTEXT); INSERT INTO zfiller VALUES ${filler};`,
      );
      return { source: { type: 'mysql', url: mysqlUrl(db) }, run, digests: () => mysqlDigests(db) };
    },
  },
];

/**
 * Archives `engine`'s database, changes it and archives it again (the decoy), changes it once
 * more, then restores the first archive with `args` while the proxy serves the decoy's bytes on
 * every read of the first archive's object after the first (the verify pass).
 */
async function restoreWithOtherBytes(engine: Engine, args: string[]) {
  const tmp = await tempDir('orgbackup-2read-');
  cleanups.push(() => tmp.cleanup());
  const s3 = await startS3rver();
  cleanups.push(() => s3.stop());
  const fault = { key: '', decoy: undefined as Buffer | undefined, reads: 0 };
  const proxy = await startFaultProxy(s3.endpoint, (request) => {
    if (request.method !== 'GET' || !fault.decoy || !request.url.split('?')[0]!.endsWith(`/${fault.key}`)) return undefined;
    fault.reads++;
    return fault.reads >= 2 ? { body: fault.decoy } : undefined;
  });
  cleanups.push(() => proxy.stop());
  const { source, run, digests } = await engine.setup();
  const config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { app: source },
    storage: { offsite: s3StorageConfig(s3, { endpoint: proxy.endpoint }) },
    defaults: { storage: ['offsite'], compression: 'none' },
  });
  const create = async () => {
    const res = await runCli(['-c', config, '--json', 'create']);
    expect(res.exitCode, res.stderr).toBe(0);
    return (res.json.archives as { id: string }[])[0]!.id;
  };

  const restored = await create();
  await run(`UPDATE ${engine.table} SET name = 'b2' WHERE id = 2;`);
  const later = await create();
  await run(`UPDATE ${engine.table} SET name = 'c3' WHERE id = 3;`);
  const now = await digests();

  const storage = new S3Storage('check', s3StorageSchema.parse(s3StorageConfig(s3)));
  fault.decoy = await storage.getBuffer(`${later}.zip`);
  // Same size, other bytes: the entry is read to its end as the manifest sizes it, and loads.
  expect(fault.decoy.length).toBe((await storage.getBuffer(`${restored}.zip`)).length);
  fault.key = `${restored}.zip`;
  const res = await runCli(['-c', config, '--json', 'restore', restored, '--yes', '--no-safety-backup', ...args]);
  expect(fault.reads, 'the proxy served the other bytes').toBeGreaterThanOrEqual(2);
  expect(res.exitCode, res.stderr).toBe(5);
  expect(res.stderr).toMatch(/does not match its sha256/);
  return { now, digests };
}

describe('restore checks the bytes it loads, not only the bytes it verified', () => {
  it.each(ENGINES)('$name: other bytes on the second read -> exit 5, target unchanged', async (engine) => {
    const { now, digests } = await restoreWithOtherBytes(engine, []);
    expect(await digests()).toEqual(now);
  });

  // A database the restore creates is loaded statement by statement (or by pg_restore -j from a
  // spooled file): it must not be left behind holding the other bytes.
  it.each([['1'], ['2']])('PostgreSQL database created by the restore, --jobs %s: other bytes on the second read -> exit 5, no database left', async (jobs) => {
    const target = uniqueName('ob2readt');
    cleanups.push(() => dropDb(target));
    await restoreWithOtherBytes(ENGINES[0]!, ['--target', pgUrl(target), '--jobs', jobs]);
    expect(await pgQuery('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [target])).toEqual([]);
  });
});
