/**
 * Mount points from /proc/self/mountinfo: whether a storage path is itself a mount point (a Docker
 * volume or Kubernetes PVC: its ownership comes from the volume, not the image) and which
 * filesystem holds it, with its options (ro).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-mount options (field 6), e.g. ["ro", "nosuid"]. */
  options: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMount(value: string): string {
  return value.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses mountinfo lines: `id parent major:minor root mountpoint options [optional...] - fstype source superopts`. */
export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 7 || dash < 6) continue;
    mounts.push({
      mountPoint: unescapeMount(fields[4]!),
      options: (fields[5] ?? '').split(','),
      fsType: fields[dash + 1] ?? '',
      source: unescapeMount(fields[dash + 2] ?? ''),
    });
  }
  return mounts;
}

/** The mount that holds `target` (an absolute, resolved path): the longest matching mount point, the last one mounted on ties. */
export function mountOf(mounts: readonly MountEntry[], target: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const mount of mounts) {
    const mp = mount.mountPoint;
    const inside = target === mp || mp === '/' || target.startsWith(mp.endsWith(path.sep) ? mp : mp + path.sep);
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = mount;
  }
  return best;
}

export async function readMounts(): Promise<MountEntry[]> {
  return readFile('/proc/self/mountinfo', 'utf8').then(parseMountinfo, () => []);
}
