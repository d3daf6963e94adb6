/**
 * The rotation of `verify --sample` kept in storage, on local storage and on S3 (s3rver): ten
 * archives, `--sample 30%` (four parts) covers every one in four runs and carries on from its record
 * in the storage; a record that is damaged or hostile is skipped with a warning and the one before
 * it is used (a part is repeated, never skipped); `list` and `prune` never take the records for
 * archives; `--subset I/N` splits the tenants into exact parts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createArchives } from '../helpers/restore.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { shardOf } from '../../src/schedule/shard.js';
import { createStorage } from '../../src/storage/registry.js';
import type { StorageConfig } from '../../src/config/schema.js';
import type { Storage } from '../../src/storage/types.js';
import { SAMPLE_STATE_PREFIX } from '../../src/verify/sample-state.js';

const TENANTS = Array.from({ length: 10 }, (_, i) => `t${i}`);
let tmp: { dir: string; cleanup(): Promise<void> };
let s3: S3rverHandle;
let config: string;
const storages: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  [tmp, s3] = await Promise.all([tempDir(), startS3rver()]);
  const root = path.join(tmp.dir, 'tenants');
  for (const tenant of TENANTS) {
    await mkdir(path.join(root, tenant), { recursive: true });
    await writeFile(path.join(root, tenant, 'file.txt'), `data of ${tenant}\n`);
  }
  storages.local = { type: 'local', path: path.join(tmp.dir, 'backups') };
  storages.s3 = s3StorageConfig(s3, { prefix: 'fleet' });
  config = await writeConfig(tmp.dir, { version: 1, sources: { files: { type: 'files', path: root, tenants: { mode: 'directory' } } }, storage: storages, retention: { keepLast: 1 } });
  await createArchives(config);
}, 180_000);
afterAll(async () => {
  await s3?.stop();
  await tmp?.cleanup();
});

const partOf = (index: number, count: number) => TENANTS.filter((t) => shardOf('files', t, count) === index).sort();
const storageOf = (name: string): Promise<Storage> => createStorage(name, storages[name] as StorageConfig, tmp.dir);

async function verify(storage: string, ...args: string[]) {
  const res = await runCli(['-c', config, '--json', 'verify', '--storage', storage, ...args]);
  expect(res.exitCode, res.stderr).toBe(0);
  const archives = res.json.archives as { id: string; status: string }[];
  expect(archives.every((a) => a.status === 'ok')).toBe(true);
  return { tenants: archives.map((a) => a.id.split('/')[1]!).sort(), parts: res.json.parts as { index: number; count: number }[], stderr: res.stderr };
}

/** The keys of the sample records of `count` parts, newest first. */
async function recordKeys(storage: Storage, count: number): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list(`${SAMPLE_STATE_PREFIX}/${count}/`)) keys.push(object.key);
  return keys.sort().reverse();
}

/** Replaces a stored object as a hostile writer with access to the storage could. */
async function overwrite(storage: Storage, key: string, body: string): Promise<void> {
  await storage.delete(key);
  await storage.put(key, Buffer.from(body));
}

describe.each(['local', 's3'])('verify --sample state in %s storage', (name) => {
  it('--sample 30% checks four parts in four runs, every archive once, then starts again from its record in the storage', async () => {
    const runs = [];
    for (let run = 0; run < 4; run++) runs.push(await verify(name, '--sample', '30%'));
    expect(runs.map((r) => r.parts[0]!.index)).toEqual([0, 1, 2, 3]);
    for (const [i, run] of runs.entries()) expect(run.tenants).toEqual(partOf(i, 4));
    expect(runs.flatMap((r) => r.tenants).sort()).toEqual([...TENANTS].sort());
    // A fresh process (a new CronJob pod) reads where the rotation is from the storage alone.
    expect((await verify(name, '--sample', '30%')).parts[0]!.index).toBe(0);
    expect((await recordKeys(await storageOf(name), 4)).length).toBe(3);
  }, 120_000);

  it('list and prune never take the sample records for archives', async () => {
    const list = await runCli(['-c', config, '--json', 'list', '--storage', name]);
    expect(list.exitCode, list.stderr).toBe(0);
    expect((list.json.archives as { id: string }[]).map((a) => a.id.split('/')[1]).sort()).toEqual([...TENANTS].sort());
    const prune = await runCli(['-c', config, '--json', 'prune', '--dry-run', '--storage', name]);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect((prune.json.archives as { id: string }[]).every((a) => a.id.startsWith('files/'))).toBe(true);
    expect((prune.json.archives as unknown[]).length).toBe(TENANTS.length);
  }, 60_000);

  it('a damaged or hostile newest record is skipped with a warning: its part is checked again, none skipped', async () => {
    const storage = await storageOf(name);
    const bodies = [
      '{"index": 1, "count": 4, "verifiedAt": "not a time", "archives": 3}',
      'not json {',
      '{"index": 9, "count": 4, "verifiedAt": "2026-01-01T00:00:00.000Z", "archives": 0}',
      ' '.repeat(70_000),
    ];
    for (const body of bodies) {
      const checked = (await verify(name, '--sample', '30%')).parts[0]!.index;
      const [newest] = await recordKeys(storage, 4);
      await overwrite(storage, newest!, body);
      const run = await verify(name, '--sample', '30%');
      expect(run.stderr).toMatch(/ignoring verify sample state/);
      expect(run.parts[0]!.index).toBe(checked);
      expect(run.tenants).toEqual(partOf(checked, 4));
    }
  }, 240_000);

  it('with every record unreadable the rotation starts again at part 0', async () => {
    const storage = await storageOf(name);
    for (const key of await recordKeys(storage, 4)) await overwrite(storage, key, '[]');
    const run = await verify(name, '--sample', '30%');
    expect(run.stderr).toMatch(/ignoring verify sample state/);
    expect(run.parts[0]!.index).toBe(0);
    expect(run.tenants).toEqual(partOf(0, 4));
  }, 60_000);

  it('--subset I/N checks exactly the tenants of part I; the N parts partition the tenants', async () => {
    const seen: string[] = [];
    for (let index = 0; index < 3; index++) {
      const run = await verify(name, '--subset', `${index}/3`);
      expect(run.parts).toEqual([{ storage: name, index, count: 3 }]);
      expect(run.tenants).toEqual(partOf(index, 3));
      seen.push(...run.tenants);
    }
    expect(seen.sort()).toEqual([...TENANTS].sort());
  }, 120_000);
});
