/** The local driver against the shared storage conformance suite. */
import { describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
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
