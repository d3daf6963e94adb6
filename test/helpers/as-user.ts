/**
 * Runs the built binary as an unprivileged user (setpriv --reuid/--regid --clear-groups), with a
 * chosen umask, and optionally with /usr/lib/postgresql hidden behind an empty tmpfs in a private
 * mount namespace (so only what is on PATH can be found). Needs root, like the CI machine.
 */
import { execa } from 'execa';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BIN, type CliResult } from './cli.js';

export const TEST_UID = 1001;
export const TEST_GID = 1001;
export const isRoot = process.getuid?.() === 0;

/** Creates the uid 1001 user when missing (scripts/test-all.sh does the same). */
export async function ensureTestUser(): Promise<void> {
  const found = await execa('getent', ['passwd', String(TEST_UID)], { reject: false });
  if (found.exitCode === 0) return;
  await execa('useradd', ['--uid', String(TEST_UID), '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'orgbackup-test'], { reject: false });
}

/** A temp directory everyone may enter and read (configs for uid 1001 live here). */
export async function openTempDir(prefix = 'orgbackup-pf-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface AsUserOptions {
  /** undefined: stay root. */
  uid?: number;
  gid?: number;
  umask?: string;
  env?: Record<string, string>;
  cwd?: string;
  hidePgLibDir?: boolean;
}

export async function runCliAs(args: string[], options: AsUserOptions = {}): Promise<CliResult> {
  let argv: string[] = [process.execPath, BIN, ...args];
  if (options.umask) argv = ['sh', '-c', `umask ${options.umask} && exec "$@"`, 'sh', ...argv];
  if (options.uid !== undefined) argv = ['setpriv', `--reuid=${options.uid}`, `--regid=${options.gid ?? options.uid}`, '--clear-groups', ...argv];
  if (options.hidePgLibDir) argv = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k none /usr/lib/postgresql && exec "$@"', 'sh', ...argv];
  const [file, ...rest] = argv;
  const result = await execa(file!, rest, { reject: false, stdin: 'ignore', cwd: options.cwd ?? os.tmpdir(), env: { NO_COLOR: '1', HOME: os.tmpdir(), ...options.env } });
  const stdout = String(result.stdout ?? '');
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { exitCode: result.exitCode ?? -1, stdout, stderr: String(result.stderr ?? ''), json };
}

export interface CheckJson {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  hint?: string;
}

/** The check with `id` in a `preflight --json` result. */
export function checkById(json: unknown, id: string): CheckJson | undefined {
  const checks = (json as { checks?: CheckJson[] } | undefined)?.checks ?? [];
  return checks.find((c) => c.id === id);
}

export function failedIds(json: unknown): string[] {
  const checks = (json as { checks?: CheckJson[] } | undefined)?.checks ?? [];
  return checks.filter((c) => c.status === 'fail').map((c) => c.id);
}
