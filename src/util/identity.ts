/**
 * Who the process is, as the kernel sees it: effective uid/gid, supplementary groups and umask.
 * Read from /proc/self/status on Linux, because that is what permission checks use (and reading
 * the umask there does not have to set it, unlike process.umask()); elsewhere from Node.
 */
import { readFile } from 'node:fs/promises';

export interface ProcessIdentity {
  uid: number;
  gid: number;
  groups: number[];
  /** undefined when the platform does not tell. */
  umask: number | undefined;
}

/** Parses the Uid/Gid/Groups/Umask lines of /proc/<pid>/status (effective ids are the 2nd field). */
export function parseProcStatus(text: string): Partial<ProcessIdentity> {
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const ids = (value: string | undefined) => (value !== undefined ? value.split(/\s+/).filter(Boolean).map(Number) : undefined);
  const uid = ids(field('Uid'))?.[1];
  const gid = ids(field('Gid'))?.[1];
  const groups = ids(field('Groups'));
  const umask = field('Umask');
  return {
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(groups ? { groups } : {}),
    ...(umask ? { umask: parseInt(umask, 8) } : {}),
  };
}

export async function readIdentity(): Promise<ProcessIdentity> {
  const status = await readFile('/proc/self/status', 'utf8').then(parseProcStatus, (): Partial<ProcessIdentity> => ({}));
  return {
    uid: status.uid ?? process.geteuid?.() ?? 0,
    gid: status.gid ?? process.getegid?.() ?? 0,
    groups: status.groups ?? process.getgroups?.() ?? [],
    umask: status.umask,
  };
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
