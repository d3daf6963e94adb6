import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes an unprivileged process can still write where `dir` is, or would be once created (the
 * nearest existing ancestor's filesystem); undefined when that is not a directory or cannot be read.
 */
export async function freeBytes(dir: string): Promise<number | undefined> {
  let at = path.resolve(dir);
  for (;;) {
    const found = await stat(at).catch(() => undefined);
    if (found) {
      if (!found.isDirectory()) return undefined;
      const fs = await statfs(at).catch(() => undefined);
      return fs ? fs.bavail * fs.bsize : undefined;
    }
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}
