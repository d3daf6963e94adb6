/**
 * What is at a storage path: the directory itself, or, when it is missing, the nearest existing
 * parent that would have to hold it (and any file blocking the way), with owner, mode and mount.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { mountOf, readMounts, type MountEntry } from './mounts.js';

export interface DirInfo {
  path: string;
  uid: number;
  gid: number;
  mode: number;
  isMountPoint: boolean;
  mount: MountEntry | undefined;
}

export type PathState =
  | { kind: 'directory'; dir: DirInfo }
  /** Missing; `parent` is the nearest existing directory it would be created in. */
  | { kind: 'missing'; parent: DirInfo }
  /** A file (or other non-directory) stands at `blocking`, the path itself or one of its parents. */
  | { kind: 'not-a-directory'; blocking: string }
  /** stat itself failed (e.g. EACCES on a parent that cannot be searched). */
  | { kind: 'unreadable'; at: string; code: string };

export async function inspectPath(target: string): Promise<PathState> {
  let current = path.resolve(target);
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) return { kind: 'not-a-directory', blocking: current };
      const dir = await describeDir(current, info.uid, info.gid, info.mode);
      return current === path.resolve(target) ? { kind: 'directory', dir } : { kind: 'missing', parent: dir };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'ENOTDIR') {
        current = path.dirname(current);
        continue;
      }
      if (code !== 'ENOENT') return { kind: 'unreadable', at: current, code };
      const parent = path.dirname(current);
      if (parent === current) return { kind: 'unreadable', at: current, code };
      current = parent;
    }
  }
}

async function describeDir(dir: string, uid: number, gid: number, mode: number): Promise<DirInfo> {
  const real = await realpath(dir).catch(() => dir);
  const mount = mountOf(await readMounts(), real);
  return { path: dir, uid, gid, mode, isMountPoint: mount?.mountPoint === real, mount };
}

export function describeMount(dir: DirInfo): string {
  if (!dir.mount) return '';
  const ro = dir.mount.options.includes('ro') ? ', read-only' : '';
  return dir.isMountPoint ? `, a mount point (${dir.mount.fsType}${ro})` : `, on ${dir.mount.mountPoint} (${dir.mount.fsType}${ro})`;
}
