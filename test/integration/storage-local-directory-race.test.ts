/**
 * A put whose directory a concurrent delete removes while the put is making it. The delete's
 * rmdir is injected at the exact step (after a mkdir, before its chmod; after a parent is made,
 * before its child) because the real race is too narrow to hit on demand: it failed the lock
 * test's random interleavings once in a CI run ("cannot create a file in ...: ENOENT").
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { LocalStorage } from '../../src/storage/local.js';
import { tempDir } from '../helpers/tmp.js';

/** Directories to remove (as a racing delete would) right before the named fs call on `at`. */
const removeBefore: { call: 'chmod' | 'mkdir'; at: string; remove: string; times: number }[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const racing =
    (call: 'chmod' | 'mkdir', original: (target: string, ...rest: never[]) => Promise<unknown>) =>
    async (target: string, ...rest: never[]) => {
      const race = removeBefore.find((r) => r.call === call && r.times > 0 && path.resolve(target) === r.at);
      if (race) {
        race.times--;
        await fs.rmdir(race.remove);
      }
      return original(target, ...rest);
    };
  return { ...fs, chmod: racing('chmod', fs.chmod), mkdir: racing('mkdir', fs.mkdir) };
});

afterEach(() => {
  removeBefore.length = 0;
});

describe('local put racing a delete that removes its directory', () => {
  it.each([
    ['the new directory, between its mkdir and chmod', 'chmod', 'app/acme', 'app/acme', 1],
    ['the new directory, three times running', 'chmod', 'app/acme', 'app/acme', 3],
    ['the parent, before its child is made', 'mkdir', 'app/acme', 'app', 1],
  ] as const)('still commits the file when a delete removes %s', async (_label, call, at, removed, times) => {
    const tmp = await tempDir('orgbackup-local-dir-race-');
    try {
      const root = path.join(tmp.dir, 'backups');
      const storage = new LocalStorage('local', root);
      // The race only bites an empty directory: `app` is one until its child is made.
      const inRoot = (key: string) => path.join(root, ...key.split('/'));
      removeBefore.push({ call, at: inRoot(at), remove: inRoot(removed), times });
      await storage.put('app/acme/a.zip', Buffer.from('archive'));
      expect((await storage.getBuffer('app/acme/a.zip')).toString()).toBe('archive');
      expect(await readdir(path.join(root, 'app', 'acme'))).toEqual(['a.zip']);
      expect(removeBefore[0]!.times).toBe(0);
    } finally {
      await tmp.cleanup();
    }
  });
});
