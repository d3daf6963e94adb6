/**
 * Who the process is, as the kernel sees it: effective uid/gid, supplementary groups and umask.
 * Read from /proc/self/status on Linux, because that is what permission checks use (and reading
 * the umask there does not have to set it, unlike process.umask()); elsewhere from Node.
 */
import { readFile } from 'node:fs/promises';
import type { CheckResult, ProcessCheck } from './types.js';
import { pass, warn } from './types.js';

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

/** What a umask lets the group and others do with new files, in words; undefined when nothing. */
export function umaskExposure(umask: number): string | undefined {
  const exposed: string[] = [];
  if ((umask & 0o040) === 0) exposed.push('group-readable');
  if ((umask & 0o020) === 0) exposed.push('group-writable');
  if ((umask & 0o004) === 0) exposed.push('world-readable');
  if ((umask & 0o002) === 0) exposed.push('world-writable');
  return exposed.length > 0 ? exposed.join(', ') : undefined;
}

export const checkIdentity: ProcessCheck = async () => {
  const id = await readIdentity();
  const groups = id.groups.length > 0 ? id.groups.join(',') : 'none';
  return [pass('process.user', `running as uid ${id.uid}, gid ${id.gid}, supplementary groups ${groups}${id.uid === 0 ? ' (root)' : ''}`)];
};

export const checkUmask: ProcessCheck = async () => {
  const { umask } = await readIdentity();
  if (umask === undefined) return [pass('process.umask', 'umask unknown on this platform; archives are written 0600 and directories 0700 regardless')];
  const exposure = umaskExposure(umask);
  const result: CheckResult = exposure
    ? warn(
        'process.umask',
        `umask ${formatMode(umask)}: new files would be ${exposure}; orgbackup still writes archives 0600 and directories 0700, but the dump tools' own temp files follow the umask`,
        'umask 0077 (in the shell, crontab line or container entrypoint that starts orgbackup)',
      )
    : pass('process.umask', `umask ${formatMode(umask)}: new files are private to their owner`);
  return [result];
};
