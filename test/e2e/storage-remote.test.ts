/**
 * create/list/verify/restore/prune through the built binary against remote storages exactly as
 * against local: s3 on s3rver, rclone on a local remote and over `rclone serve webdav`, with a
 * files source (two tenants) and a PostgreSQL database.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { startRclone, type RcloneFixture } from '../helpers/rclone.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let s3: S3rverHandle;
let rc: RcloneFixture;
let tmp: { dir: string; cleanup(): Promise<void> };
let db: string;
let config: string;
const scratchDbs: string[] = [];
const bigFile = randomBytes(7 * 1024 * 1024);

beforeAll(async () => {
  [s3, rc, tmp, db] = await Promise.all([startS3rver(), startRclone(), tempDir('orgbackup-e2e-remote-'), createDb('ob_remote')]);
  await psql(db, {
    sql: `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
          INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 500) g;
          CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2));
          INSERT INTO orders (customer_id, total) SELECT 1 + g % 500, g * 1.25 FROM generate_series(1, 2000) g;`,
  });
  const files = path.join(tmp.dir, 'files');
  await mkdir(path.join(files, 'acme', 'docs'), { recursive: true });
  await mkdir(path.join(files, 'globex'), { recursive: true });
  await writeFile(path.join(files, 'acme', 'docs', 'readme.txt'), 'acme data\n');
  // Larger than one 5 MiB part, and incompressible, so that the S3 upload is multipart.
  await writeFile(path.join(files, 'globex', 'blob.bin'), bigFile);
  config = await writeConfig(tmp.dir, {
    version: 1,
    sources: {
      media: { type: 'files', path: files, tenants: { mode: 'directory' } },
      app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'none' } },
    },
    storage: {
      offsite: s3StorageConfig(s3, { prefix: 'prod/eu', partSizeMiB: 5, queueSize: 2 }),
      drive: { type: 'rclone', remote: `${rc.localRemote}/drive`, configFile: rc.configFile },
      dav: { type: 'rclone', remote: 'dav:backups', configFile: rc.configFile },
    },
    defaults: { storage: ['offsite'], compression: 'zstd' },
    retention: { keepLast: 1 },
  });
});

afterAll(async () => {
  await Promise.all([s3?.stop(), rc?.stop(), tmp?.cleanup(), db && dropDb(db), ...scratchDbs.map((d) => dropDb(d))]);
});

interface ArchiveOut {
  id: string;
  tenant: string;
  status: string;
  size: number;
}
interface Out {
  exitCode: number;
  stderr: string;
  json: { archives: ArchiveOut[]; checks: { id: string; status: string }[] };
}

const cli = (...args: string[]): Promise<Out> => runCli(['-c', config, '--json', ...args]);

describe.each(['offsite', 'drive', 'dav'])('storage %s', (storage) => {
  it('passes preflight: reachable, and a probe object written and deleted', async () => {
    const result = await cli('preflight', '--storage', storage, '--source', 'media', '--for', 'create');
    expect(result.exitCode, result.stderr).toBe(0);
    const ids = result.json.checks.filter((c) => c.id.startsWith(`storage.${storage}.`));
    expect(ids.map((c) => `${c.id}:${c.status}`)).toEqual([`storage.${storage}.reachable:pass`, `storage.${storage}.writable:pass`]);
  });

  it('creates, lists, verifies and restores a files tenant byte for byte', async () => {
    const created = await cli('create', '--source', 'media', '--storage', storage);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.json.archives.map((a) => `${a.tenant}:${a.status}`).sort()).toEqual(['acme:ok', 'globex:ok']);
    // stderr stays NDJSON under --json (no SDK notices, no progress).
    for (const line of created.stderr.trim().split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();

    const listed = await cli('list', '--storage', storage, '--source', 'media');
    expect(listed.exitCode, listed.stderr).toBe(0);
    const globex = created.json.archives.find((a) => a.tenant === 'globex')!;
    expect(listed.json.archives.map((a) => a.id)).toContain(globex.id);
    expect(listed.json.archives.find((a) => a.id === globex.id)?.size).toBe(globex.size);

    const verified = await cli('verify', globex.id, '--storage', storage);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json.archives[0]?.status).toBe('ok');

    const target = path.join(tmp.dir, `restored-${storage}`);
    const restored = await cli('restore', globex.id, '--storage', storage, '--target', target, '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect((await readFile(path.join(target, 'blob.bin'))).equals(bigFile)).toBe(true);
  });

  it('backs up a PostgreSQL database and restores it elsewhere with identical tables', async () => {
    const created = await cli('create', '--source', 'app', '--storage', storage);
    expect(created.exitCode, created.stderr).toBe(0);
    const scratch = await createDb('ob_remote_restore');
    scratchDbs.push(scratch);
    const restored = await cli('restore', 'latest', '--source', 'app', '--storage', storage, '--target', pgUrl(scratch), '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await tableDigests(scratch)).toEqual(await tableDigests(db));
  });

  it('prunes to the retention policy, removing archive and sidecar objects', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await cli('create', '--source', 'media', '--tenant', 'acme', '--storage', storage);
    expect(again.exitCode, again.stderr).toBe(0);
    const before = await cli('list', '--storage', storage, '--source', 'media', '--tenant', 'acme');
    expect(before.json.archives.length).toBe(2);
    const pruned = await cli('prune', '--storage', storage, '--source', 'media', '--tenant', 'acme');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    const after = await cli('list', '--storage', storage, '--source', 'media', '--tenant', 'acme');
    expect(after.json.archives.map((a) => a.id)).toEqual([again.json.archives[0]?.id]);
  });
});
