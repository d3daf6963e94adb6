/**
 * The storage lease lock through the rclone driver (a local remote and a WebDAV remote served by
 * `rclone serve webdav`): acquire, busy with the holder named, release, renewal and takeover of an
 * expired lease all work through the Storage interface alone. (Simultaneous contenders are not
 * tested here: rclone has no atomic create, a limit the README and lock.ts state.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusyError } from '../../src/errors.js';
import { acquireLock, readLockState } from '../../src/schedule/lock.js';
import { RcloneStorage } from '../../src/storage/rclone.js';
import { startRclone, type RcloneFixture } from '../helpers/rclone.js';

describe.each(['local', 'dav'] as const)('storage lease lock over rclone (%s remote)', (kind) => {
  let fixture: RcloneFixture;
  let storage: RcloneStorage;
  beforeAll(async () => {
    fixture = await startRclone();
    storage = new RcloneStorage('drive', { type: 'rclone', remote: kind === 'local' ? fixture.localRemote : fixture.davRemote, configFile: fixture.configFile }, '/');
  });
  afterAll(async () => fixture?.stop());

  it('refuses a second holder, renews, is taken over once expired, and is released', async () => {
    let now = Date.parse('2026-11-20T02:00:00Z');
    const clock = () => new Date(now);
    const first = await acquireLock(storage, 'storage', { owner: 'prune', ttlMs: 60_000, now: clock, renewEveryMs: false });
    await expect(acquireLock(storage, 'storage', { owner: 'other', now: clock, renewEveryMs: false })).rejects.toThrow(/storage "drive" is locked by prune/);

    now += 50_000;
    await first.renew();
    now += 50_000; // past the first expiry, within the renewed one
    await expect(acquireLock(storage, 'storage', { owner: 'other', now: clock, renewEveryMs: false })).rejects.toBeInstanceOf(BusyError);

    now += 11_000; // the renewed lease has expired: the holder "died"
    const second = await acquireLock(storage, 'storage', { owner: 'next', now: clock, renewEveryMs: false });
    await expect(first.renew()).rejects.toBeInstanceOf(BusyError);
    expect((await readLockState(storage, 'storage')).holder?.owner).toBe('next');

    await second.release();
    const state = await readLockState(storage, 'storage');
    expect(state.holder).toBeUndefined();
    expect(state.heartbeats).toEqual([]);
    expect(state.takeovers).toEqual([]);
  });
});
