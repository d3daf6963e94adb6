/** The local driver against the shared storage conformance suite. */
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
