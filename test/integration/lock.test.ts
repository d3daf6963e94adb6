import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import os from 'node:os';
import { BusyError, ExitCode } from '../../src/errors.js';
import { LocalStorage } from '../../src/storage/local.js';
import { acquireLock, readLockState, withLock, type Lease } from '../../src/schedule/lock.js';
import { leaseKey, takeoverKey } from '../../src/schedule/lock-state.js';
import { tempDir } from '../helpers/tmp.js';
import type { Storage } from '../../src/storage/types.js';

/** A clock the test moves by hand: lease expiry is decided by it, not by waiting. */
function manualClock(start = Date.parse('2026-11-20T02:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

const MINUTE = 60_000;

/** Injected fault: every storage call is delayed a little, so contenders interleave differently each round. */
function jittery(inner: Storage, seed: number): Storage {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  // Mostly short pauses, sometimes a long one: a contender stalled between reading and deleting.
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, next() % 5 === 0 ? 30 : next() % 4));
  return {
    name: inner.name,
    type: inner.type,
    location: inner.location,
    put: async (key, body, o) => (await pause(), inner.put(key, body, o)),
    get: async (key, o) => (await pause(), inner.get(key, o)),
    getBuffer: async (key, o) => (await pause(), inner.getBuffer(key, o)),
    exists: async (key, o) => (await pause(), inner.exists(key, o)),
    list: (prefix, o) => inner.list(prefix, o),
    delete: async (key, o) => (await pause(), inner.delete(key, o)),
  };
}

describe('storage lease lock (local storage)', () => {
  let dir: { dir: string; cleanup(): Promise<void> };
  let storage: LocalStorage;
  const leases: Lease[] = [];

  beforeEach(async () => {
    dir = await tempDir('orgbackup-lock-');
    storage = new LocalStorage('local', dir.dir);
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.release();
    await dir.cleanup();
  });

  async function take(options: Parameters<typeof acquireLock>[2] = {}): Promise<Lease> {
    const lease = await acquireLock(storage, 'storage', { renewEveryMs: false, ...options });
    leases.push(lease);
    return lease;
  }

  it('records owner, host, pid and expiry, and refuses a second holder with exit 75 naming the first', async () => {
    const clock = manualClock();
    const lease = await take({ owner: 'prune', ttlMs: 5 * MINUTE, now: clock.now });
    const stored = JSON.parse((await storage.getBuffer(leaseKey('storage'))).toString('utf8'));
    expect(stored).toMatchObject({ owner: 'prune', host: os.hostname(), pid: process.pid, acquiredAt: '2026-11-20T02:00:00.000Z', expiresAt: '2026-11-20T02:05:00.000Z' });
    expect(lease.info.token).toBe(stored.token);

    const second = await take({ owner: 'schedule-run', now: clock.now }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(BusyError);
    expect((second as BusyError).exitCode).toBe(ExitCode.busy);
    expect((second as BusyError).message).toContain(`locked by prune (host ${os.hostname()}, pid ${process.pid})`);
    expect((second as BusyError).hint).toContain('2026-11-20T02:05:00.000Z');
  });

  it('is free again after release, and release twice is harmless', async () => {
    const first = await take();
    await first.release();
    await first.release();
    expect((await readLockState(storage, 'storage')).holder).toBeUndefined();
    const second = await take();
    expect(second.info.token).not.toBe(first.info.token);
  });

  it('takes over an expired lease; the old holder learns it lost the lock on renewal', async () => {
    const clock = manualClock();
    const dead = await take({ owner: 'dead-run', ttlMs: 5 * MINUTE, now: clock.now });
    clock.advance(5 * MINUTE + 1);
    const next = await take({ owner: 'next-run', now: clock.now });
    expect((await readLockState(storage, 'storage')).holder?.token).toBe(next.info.token);

    await expect(dead.renew()).rejects.toBeInstanceOf(BusyError);
    expect(dead.signal.aborted).toBe(true);
    // The old holder's release must not remove the new holder's lease.
    await dead.release();
    expect((await readLockState(storage, 'storage')).holder?.token).toBe(next.info.token);
  });

  it('renewal keeps a lease alive past its first expiry', async () => {
    const clock = manualClock();
    const holder = await take({ ttlMs: 5 * MINUTE, now: clock.now });
    clock.advance(4 * MINUTE);
    await holder.renew();
    clock.advance(4 * MINUTE); // 8 minutes after acquiring, 4 after renewing
    expect(holder.expiresAt().toISOString()).toBe('2026-11-20T02:09:00.000Z');
    await expect(take({ now: clock.now })).rejects.toBeInstanceOf(BusyError);
    clock.advance(MINUTE + 1);
    await expect(take({ now: clock.now })).resolves.toBeDefined();
  });

  it('renews by itself while held', async () => {
    const clock = manualClock();
    const holder = await take({ ttlMs: 5 * MINUTE, now: clock.now, renewEveryMs: 20 });
    clock.advance(3 * MINUTE);
    await vi.waitFor(() => expect(holder.expiresAt().getTime()).toBe(clock.now().getTime() + 5 * MINUTE), { timeout: 10_000, interval: 20 });
    clock.advance(3 * MINUTE); // past the first expiry: only the renewal keeps it
    const state = await readLockState(storage, 'storage');
    expect(state.expiresAt.getTime()).toBeGreaterThan(clock.now().getTime());
    await expect(take({ now: clock.now })).rejects.toBeInstanceOf(BusyError);
  });

  it.each([
    ['free', false],
    ['expired', true],
  ])('lets exactly one of eight simultaneous contenders in (lock %s)', async (_label, expiredFirst) => {
    const clock = manualClock();
    if (expiredFirst) {
      await acquireLock(storage, 'storage', { owner: 'dead', ttlMs: MINUTE, now: clock.now, renewEveryMs: false });
      clock.advance(MINUTE + 1);
    }
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireLock(storage, 'storage', { owner: `c${i}`, now: clock.now, renewEveryMs: false })));
    const winners = results.filter((r): r is PromiseFulfilledResult<Lease> => r.status === 'fulfilled').map((r) => r.value);
    leases.push(...winners);
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BusyError);
    expect((await readLockState(storage, 'storage')).holder?.token).toBe(winners[0]!.info.token);
  });

  it('never lets two contenders in when their storage calls interleave at random (20 rounds, expired lock)', async () => {
    for (let round = 0; round < 20; round++) {
      const clock = manualClock();
      const dead = await acquireLock(storage, 'storage', { owner: 'dead', ttlMs: MINUTE, now: clock.now, renewEveryMs: false });
      clock.advance(MINUTE + 1);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => acquireLock(jittery(storage, round * 31 + i + 1), 'storage', { owner: `c${i}`, now: clock.now, renewEveryMs: false })),
      );
      const winners = results.filter((r): r is PromiseFulfilledResult<Lease> => r.status === 'fulfilled').map((r) => r.value);
      expect(winners.length, `round ${round}`).toBe(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(BusyError);
      await winners[0]!.release();
      await dead.release();
    }
  });

  it('a takeover claim left by a contender that died expires, then the next contender takes over', async () => {
    const clock = manualClock();
    const dead = await acquireLock(storage, 'storage', { owner: 'dead', ttlMs: MINUTE, now: clock.now, renewEveryMs: false });
    clock.advance(MINUTE + 1);
    const claim = { token: 'claimant', expiresAt: new Date(clock.now().getTime() + MINUTE).toISOString() };
    await storage.put(takeoverKey('storage', dead.info.token, 0), Buffer.from(JSON.stringify(claim)));

    await expect(take({ now: clock.now })).rejects.toThrow(/taking over its expired lock/);

    clock.advance(MINUTE + 1);
    const next = await take({ owner: 'next', now: clock.now });
    const state = await readLockState(storage, 'storage');
    expect(state.holder?.token).toBe(next.info.token);
    expect(state.takeovers).toEqual([]);
  });

  it('does not take over a lease whose holder renews while a contender is claiming it', async () => {
    const clock = manualClock();
    const holder = await take({ owner: 'slow-but-alive', ttlMs: MINUTE, now: clock.now });
    clock.advance(MINUTE + 1);
    // Injected timing: the holder's renewal lands right after the contender's takeover claim.
    const inner: Storage = storage;
    const racing: Storage = {
      name: storage.name,
      type: storage.type,
      location: storage.location,
      get: (k, o) => inner.get(k, o),
      getBuffer: (k, o) => inner.getBuffer(k, o),
      exists: (k, o) => inner.exists(k, o),
      list: (p, o) => inner.list(p, o),
      delete: (k, o) => inner.delete(k, o),
      put: async (key, body, o) => {
        const result = await inner.put(key, body, o);
        if (key.includes('/takeover-')) await holder.renew();
        return result;
      },
    };
    await expect(acquireLock(racing, 'storage', { now: clock.now, renewEveryMs: false })).rejects.toThrow(/locked by slow-but-alive/);
    expect(holder.signal.aborted).toBe(false);
    const state = await readLockState(storage, 'storage');
    expect(state.holder?.token).toBe(holder.info.token);
    expect(state.takeovers).toEqual([]);
  });

  it('treats a damaged lease.json as expired instead of blocking every run', async () => {
    await storage.put(leaseKey('storage'), Buffer.from('{"owner": "half-writ'));
    const lease = await take({ owner: 'repair' });
    expect((await readLockState(storage, 'storage')).holder?.owner).toBe('repair');
    expect(lease.signal.aborted).toBe(false);
  });

  it('withLock releases the lease when the work throws', async () => {
    await expect(
      withLock(storage, 'storage', { renewEveryMs: false }, async () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect((await readLockState(storage, 'storage')).holder).toBeUndefined();
  });
});
