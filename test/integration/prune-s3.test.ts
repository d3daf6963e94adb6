/**
 * prune and the storage lease lock on an S3 storage (s3rver on loopback): the same Storage
 * interface, so the same guarantees: plan and removal, incomplete uploads removed after an hour,
 * exit 75 while the lock is held, and one winner among simultaneous contenders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listArchives } from '../../src/archive/catalog.js';
import { runPrune } from '../../src/commands/prune.js';
import { BusyError } from '../../src/errors.js';
import { acquireLock, readLockState, type Lease } from '../../src/schedule/lock.js';
import type { Storage } from '../../src/storage/types.js';
import { runCli } from '../helpers/cli.js';
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

  it.each([false, true])('lets exactly one of six simultaneous lock contenders in (expired lock first: %s)', async (expiredFirst) => {
    let now = Date.now();
    const clock = () => new Date(now);
    if (expiredFirst) {
      await acquireLock(s3, 'contention', { owner: 'dead', ttlMs: 60_000, now: clock, renewEveryMs: false });
      now += 60_001;
    }
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => acquireLock(s3, 'contention', { owner: `c${i}`, now: clock, renewEveryMs: false })));
    const winners = results.filter((r): r is PromiseFulfilledResult<Lease> => r.status === 'fulfilled').map((r) => r.value);
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BusyError);
    await winners[0]!.release();
  });
});
