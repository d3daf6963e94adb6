/** The process checks of who runs orgbackup: its user and groups, and the umask new files get. */
import { formatMode, readIdentity } from '../util/identity.js';
import type { CheckResult, ProcessCheck } from './types.js';
import { pass, warn } from './types.js';

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
