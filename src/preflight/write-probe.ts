/**
 * A real write probe as the running user, doing what LocalStorage.put does: create a 0600 file,
 * write, fsync, rename, fsync the directory, delete. When the storage directory does not exist
 * yet, the probe makes (and removes) a directory in the parent instead, which proves that create
 * could make the storage directory. Everything it makes is removed, whatever happens.
 */
import { mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncDirectory } from '../util/sync-directory.js';

export type ProbeStep = 'mkdir' | 'create' | 'write' | 'fsync' | 'rename' | 'fsync-dir' | 'delete';

export interface ProbeOutcome {
  ok: boolean;
  /** The step that failed and its errno code. */
  step?: ProbeStep;
  code?: string;
  /** Where the probe wrote. */
  dir: string;
}

const PROBE_PREFIX = '.orgbackup-preflight-';

/** Probes `dir`; with `createIn`, probes a new directory made inside `createIn` instead. */
export async function writeProbe(dir: string, createIn?: string): Promise<ProbeOutcome> {
  const token = `${PROBE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  const where = createIn ? path.join(createIn, token) : dir;
  const first = path.join(where, `${token}.tmp`);
  const second = path.join(where, `${token}.done`);
  let step: ProbeStep = createIn ? 'mkdir' : 'create';
  try {
    if (createIn) await mkdir(where, { mode: 0o700 });
    step = 'create';
    const handle = await open(first, 'wx', 0o600);
    try {
      step = 'write';
      await handle.writeFile('orgbackup preflight probe\n');
      step = 'fsync';
      await handle.sync();
    } finally {
      await handle.close();
    }
    step = 'rename';
    await rename(first, second);
    step = 'fsync-dir';
    await syncDirectory(where);
    step = 'delete';
    await unlink(second);
    return { ok: true, dir: where };
  } catch (error) {
    return { ok: false, step, code: (error as NodeJS.ErrnoException).code ?? 'EIO', dir: where };
  } finally {
    await unlink(first).catch(() => undefined);
    await unlink(second).catch(() => undefined);
    if (createIn) await rmdir(where).catch(() => undefined);
  }
}
