/**
 * The run's private temp directory, and the removal of those that killed runs left behind.
 *
 * A run killed with SIGKILL (or by the OOM killer, or a power cut with a persistent /tmp) never
 * runs its cleanup, and its directory may hold every tenant's rows in the clear (the rows spool)
 * and password files. So the directory's name says who owns it: `orgbackup-run-<host>-<pid>-
 * <start>-XXXXXX`, where <start> is the process's start time in clock ticks since boot
 * (/proc/<pid>/stat), so a pid reused by another process does not keep a dead run's directory
 * alive. The name is set atomically by mkdtemp: there is no moment where a directory exists
 * without its owner. Later runs remove the directories of this host whose process is gone; a
 * live process's directory is never touched, nor one of another host sharing the directory
 * (its pids mean nothing here), nor one of another user.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'orgbackup-run-';
/** `orgbackup-run-<host tag>-<pid>-<start or 0>-<mkdtemp suffix>` */
const NAME = /^orgbackup-run-([0-9a-f]{8})-(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

/** A short tag of the host name: pids are only meaningful on the host that made them. */
function hostTag(): string {
  return createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
}

/** The process's start time (clock ticks since boot), or undefined where /proc cannot tell. */
export async function processStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isAlive(pid: number, start: string): Promise<boolean> {
  if (!pidExists(pid)) return false;
  // Without a recorded start time (no /proc when it was made) a live pid must be taken as the owner.
  if (start === '0') return true;
  const now = await processStart(pid);
  return now === undefined || now === start;
}

export async function makeRunTempDir(tmp = os.tmpdir()): Promise<string> {
  const start = (await processStart(process.pid)) ?? '0';
  return mkdtemp(path.join(tmp, `${PREFIX}${hostTag()}-${process.pid}-${start}-`));
}

/** Removes this host's orgbackup temp directories whose process is gone; returns their paths. Never throws. */
export async function removeStaleTempDirs(tmp = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(tmp);
  } catch {
    return removed;
  }
  const tag = hostTag();
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match || match[1] !== tag || Number(match[2]) === process.pid) continue;
    const dir = path.join(tmp, name);
    try {
      const info = await lstat(dir);
      if (!info.isDirectory() || (process.getuid && info.uid !== process.getuid())) continue;
      if (await isAlive(Number(match[2]), match[3]!)) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Best effort: a directory that cannot be inspected or removed stays for the next run.
    }
  }
  return removed;
}
