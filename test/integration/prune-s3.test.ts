/**
 * prune and the storage lease lock on an S3 storage (s3rver on loopback): the same Storage
 * interface, so the same guarantees: plan and removal, incomplete uploads removed after an hour,
 * exit 75 while the lock is held, and what the server can show of exclusivity (the conditional
 * write is sent; a refused one means BusyError).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchives } from '../../src/archive/catalog.js';
import { runPrune } from '../../src/commands/prune.js';
import { parseConfig } from '../../src/config/load.js';
import { BusyError } from '../../src/errors.js';
import { acquireLock, readLockState } from '../../src/schedule/lock.js';
import { createStorage, storageConfig } from '../../src/storage/registry.js';
import type { Storage } from '../../src/storage/types.js';
import { runCli } from '../helpers/cli.js';
import { startFaultProxy } from '../helpers/s3-fault-proxy.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { makeArchive, makeLab, type Lab } from '../helpers/timeline.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe('prune on s3 storage', () => {
  let server: S3rverHandle;
  let lab: Lab;
  let s3: Storage;

  beforeAll(async () => {
    server = await startS3rver();
    lab = await makeLab(['acme', 'globex'], {
      storage: { local: { type: 'local', path: './backups' }, offsite: s3StorageConfig(server, { prefix: 'prod' }) },
      retention: { keepLast: 2 },
    });
    s3 = await lab.storage('offsite');
    for (const n of [4, 3, 2, 1]) {
      await makeArchive(lab, { tenant: 'acme', at: daysAgo(n), storage: ['offsite'] });
      await makeArchive(lab, { tenant: 'globex', at: daysAgo(n), storage: ['offsite'] });
    }
  });
  afterAll(async () => {
    await lab?.cleanup();
    await server?.stop();
  });

  it('exits 75 while another run holds the lock in the bucket', async () => {
    const lease = await acquireLock(s3, 'storage', { owner: 'prune', renewEveryMs: false });
    try {
      const run = await runCli(['-c', lab.configPath, 'prune', '--storage', 'offsite']);
      expect(run.exitCode).toBe(75);
      expect(run.stderr).toContain('storage "offsite" is locked by prune');
    } finally {
      await lease.release();
    }
    expect((await readLockState(s3, 'storage')).holder).toBeUndefined();
  });

  it('--dry-run changes nothing; prune keeps the two newest of each tenant', async () => {
    const keys = async () => {
      const all: string[] = [];
      for await (const o of s3.list('')) all.push(o.key);
      return all.sort();
    };
    const before = await keys();
    const dry = await runCli(['-c', lab.configPath, '--json', 'prune', '--storage', 'offsite', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.json.summary).toMatchObject({ kept: 4, removed: 4 });
    expect(await keys()).toEqual(before);

    const run = await runCli(['-c', lab.configPath, '--json', 'prune', '--storage', 'offsite']);
    expect(run.exitCode).toBe(0);
    expect(run.json.summary).toMatchObject({ kept: 4, removed: 4, failed: 0 });
    const left = await listArchives(s3, {});
    expect(left.map((a) => `${a.ref.tenant} ${a.complete}`).sort()).toEqual(['acme true', 'acme true', 'globex true', 'globex true']);
    // Nothing but the kept pairs (and no lock objects) is left in the bucket.
    expect((await keys()).filter((k) => !k.endsWith('.zip') && !k.endsWith('.manifest.json'))).toEqual([]);
  });

  it('removes an upload that never got its sidecar once it is an hour old', async () => {
    await s3.put('media/acme/2020-01-01T00-00-00.000Z.zip', Buffer.from('half an archive'));
    const young = await runPrune({ storage: ['offsite'], skipPreflight: true }, lab.ctx(new Date()));
    expect(young.archives.find((a) => !a.complete)).toMatchObject({ status: 'kept' });
    const old = await runPrune({ storage: ['offsite'], skipPreflight: true }, lab.ctx(new Date(Date.now() + 2 * 3_600_000)));
    expect(old.archives.find((a) => !a.complete)).toMatchObject({ status: 'removed' });
    expect(await s3.exists('media/acme/2020-01-01T00-00-00.000Z.zip')).toBe(false);
  });

  // s3rver ignores If-None-Match, so contenders racing on it prove nothing about exclusivity (they
  // pass or fail on timing). What can be shown: the driver asks for the condition on every write,
  // and when a server enforces it (the proxy answers as AWS does, only when the header is sent) a
  // contender that lost the race between its HEAD and its PUT gets exit 75, not the lock.
  it('sends If-None-Match: * with every object write', async () => {
    const proxy = await startFaultProxy(server.endpoint, () => undefined);
    try {
      const viaProxy = await s3Through(proxy.endpoint);
      const lease = await acquireLock(viaProxy, 'headers', { owner: 'probe', renewEveryMs: false });
      await lease.release();
      await viaProxy.put('probe/object.bin', Buffer.from('x'));
      const writes = proxy.seen.filter((r) => r.method === 'PUT');
      expect(writes.length).toBeGreaterThanOrEqual(2);
      for (const write of writes) expect(write.headers['if-none-match'], write.url).toBe('*');
    } finally {
      await proxy.stop();
    }
  });

  it('a contender whose lease write the server refuses (412) gets BusyError and the holder keeps the lock', async () => {
    const holder = await acquireLock(s3, 'race', { owner: 'first', renewEveryMs: false });
    // The race window, made certain: the contender's HEAD misses the holder's lease (it landed
    // just after), and its conditional PUT meets the object, as AWS answers then.
    const proxy = await startFaultProxy(server.endpoint, (r) => {
      if (!r.url.includes('/_locks/race/lease.json')) return undefined;
      if (r.method === 'HEAD') return { status: 404, code: 'NotFound' };
      if (r.method === 'PUT' && r.headers['if-none-match'] === '*') return { status: 412, code: 'PreconditionFailed' };
      return undefined;
    });
    try {
      const contender = await acquireLock(await s3Through(proxy.endpoint), 'race', { owner: 'second', renewEveryMs: false }).then(
        (lease) => lease,
        (error: unknown) => error,
      );
      expect(contender).toBeInstanceOf(BusyError);
      expect((contender as BusyError).message).toContain('locked by first');
      expect(proxy.injected.some((r) => r.method === 'PUT')).toBe(true);
      expect((await readLockState(s3, 'race')).holder?.token).toBe(holder.info.token);
    } finally {
      await proxy.stop();
      await holder.release();
    }
  });

  async function s3Through(endpoint: string): Promise<Storage> {
    const config = parseConfig({ version: 1, sources: { media: { type: 'files', path: '.' } }, storage: { racer: s3StorageConfig(server, { endpoint, prefix: 'prod' }) } }, process.env);
    return createStorage('racer', storageConfig(config, 'racer'), lab.dir);
  }
});
