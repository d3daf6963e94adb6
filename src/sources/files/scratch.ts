/** A throwaway directory for restore tests of files archives, under --scratch or the run's temp dir. */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Observation, Scratch } from '../scratch.js';

export async function createFilesScratch(parent: string): Promise<Scratch> {
  const dir = await mkdtemp(path.join(parent, 'orgbackup-restore-test-'));
  // The restore swaps a staging directory in beside its target, so the target is a child of `dir`.
  const target = path.join(dir, 'restored');
  return {
    target,
    where: `directory ${target}`,
    measure: async () => ({ files: await countFiles(target) }),
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function countFiles(dir: string): Promise<NonNullable<Observation['files']>> {
  let count = 0;
  let bytes = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    count++;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return { count, bytes };
}
