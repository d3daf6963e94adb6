/** The local driver against the shared storage conformance suite. */
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { LocalStorage } from '../../src/storage/local.js';
import { tempDir } from '../helpers/tmp.js';
import { storageConformance } from './storage-conformance.js';

/** Temp files of unfinished puts anywhere under `dir`. */
export async function tempFilesUnder(dir: string, mark = '.tmp-'): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.includes(mark)).length;
}

storageConformance(
  'local',
  async () => {
    const tmp = await tempDir('orgbackup-local-conf-');
    const storage = new LocalStorage('local', path.join(tmp.dir, 'backups'));
    return {
      storage,
      leftovers: () => tempFilesUnder(storage.root),
      makeLeftover: async (key) => {
        const final = path.join(storage.root, ...key.split('/'));
        await storage.put(`${key}.seed`, Buffer.from('x'));
        await writeFile(path.join(path.dirname(final), `.${path.basename(final)}.tmp-999-deadbeef`), 'half');
        await storage.delete(`${key}.seed`);
      },
      cleanup: () => tmp.cleanup(),
    };
  },
  { manyKeys: 300, largeBytes: 12 * 1024 * 1024, cleanup: true },
);

describe('local storage whose path is a file', () => {
  it('list fails naming the storage and the fix instead of reporting no archives', async () => {
    const tmp = await tempDir('orgbackup-local-file-');
    try {
      const root = path.join(tmp.dir, 'backups');
      await writeFile(root, 'not a directory');
      const storage = new LocalStorage('local', root);
      const listing = async () => {
        for await (const _ of storage.list('app/')) void _;
      };
      await expect(listing()).rejects.toThrow(/storage "local": cannot list .*ENOTDIR/);
      // A storage that was never written to is still simply empty.
      const fresh = new LocalStorage('local', path.join(tmp.dir, 'never-written'));
      const keys: string[] = [];
      for await (const info of fresh.list('')) keys.push(info.key);
      expect(keys).toEqual([]);
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('local storage delete', () => {
  const exists = (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );

  it('removes the directories it leaves empty up to the root, never the root and never a non-empty one', async () => {
    const tmp = await tempDir('orgbackup-local-rmdir-');
    try {
      const root = path.join(tmp.dir, 'backups');
      const storage = new LocalStorage('local', root);
      await storage.put('app/acme/2026-01-01T00-00-00.000Z.zip', Buffer.from('a'));
      await storage.put('app/acme/2026-01-01T00-00-00.000Z.manifest.json', Buffer.from('{}'));
      await storage.put('app/initech/2026-01-01T00-00-00.000Z.zip', Buffer.from('i'));

      await storage.delete('app/acme/2026-01-01T00-00-00.000Z.zip');
      expect(await readdir(path.join(root, 'app', 'acme'))).toEqual(['2026-01-01T00-00-00.000Z.manifest.json']);
      await storage.delete('app/acme/2026-01-01T00-00-00.000Z.manifest.json');
      expect(await exists(path.join(root, 'app', 'acme'))).toBe(false);
      expect(await readdir(path.join(root, 'app'))).toEqual(['initech']);

      await storage.delete('app/initech/2026-01-01T00-00-00.000Z.zip');
      expect(await exists(path.join(root, 'app'))).toBe(false);
      expect(await readdir(root)).toEqual([]);
      // A missing key still deletes quietly, and the empty root stays.
      await storage.delete('app/initech/2026-01-01T00-00-00.000Z.zip');
      expect(await exists(root)).toBe(true);
    } finally {
      await tmp.cleanup();
    }
  });

  it('leaves a directory in which a put is under way (its temp file makes rmdir fail harmlessly)', async () => {
    const tmp = await tempDir('orgbackup-local-rmdir-race-');
    try {
      const root = path.join(tmp.dir, 'backups');
      const storage = new LocalStorage('local', root);
      await storage.put('app/acme/old.zip', Buffer.from('old'));
      // A put whose body has not ended yet: its temp file already sits in app/acme.
      const body = new PassThrough();
      const putting = storage.put('app/acme/new.zip', body);
      await once(body, 'resume');
      await storage.delete('app/acme/old.zip');
      expect(await tempFilesUnder(path.join(root, 'app', 'acme'))).toBe(1);
      body.end('new');
      await putting;
      expect((await storage.getBuffer('app/acme/new.zip')).toString()).toBe('new');
      expect(await readdir(path.join(root, 'app', 'acme'))).toEqual(['new.zip']);
    } finally {
      await tmp.cleanup();
    }
  });
});
