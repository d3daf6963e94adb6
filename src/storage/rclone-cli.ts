/**
 * Running the rclone binary for one storage (through src/exec.ts: argv arrays, never a shell) and
 * turning its failures into errors with hints. rclone's exit codes: 3 directory not found, 4 file
 * not found, 5 temporary error (retried by storage/retry.ts), 7 fatal (bad config, auth).
 */
import type { Readable, Writable } from 'node:stream';
import { runTool, spawnTool, ToolError, type ToolOptions } from '../exec.js';
import { StorageError } from './types.js';

export const RCLONE_DIR_NOT_FOUND = 3;
export const RCLONE_FILE_NOT_FOUND = 4;

export interface RcloneRunner {
  storage: string;
  remote: string;
  binary: string;
  configFile?: string;
}

/**
 * Flags every call gets: the config file, no interactive prompt, errors only on stderr, and one
 * high-level try (storage/retry.ts retries what can be replayed; rclone's low-level HTTP retries stay).
 */
function baseArgs(runner: RcloneRunner): string[] {
  const args = ['--ask-password=false', '--log-level', 'ERROR', '--retries', '1'];
  if (runner.configFile) args.push('--config', runner.configFile);
  return args;
}

export async function rclone(runner: RcloneRunner, args: readonly string[], options: ToolOptions = {}): Promise<string> {
  try {
    return await runTool(runner.binary, [...baseArgs(runner), ...args], options);
  } catch (error) {
    throw rcloneError(runner, error, args[0] ?? 'rclone');
  }
}

/** Streams rclone's stdout; `done` settles when it exits (with an rclone error when it fails). */
export function rcloneStream(runner: RcloneRunner, args: readonly string[], options: ToolOptions = {}): { stdout: Readable; stdin: Writable | null; done: Promise<void> } {
  const child = spawnTool(runner.binary, [...baseArgs(runner), ...args], options);
  return { ...child, done: child.done.catch((error: unknown) => Promise.reject(rcloneError(runner, error, args[0] ?? 'rclone'))) };
}

export function rcloneExitCode(error: unknown): number | undefined {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ToolError) return e.toolExitCode;
  }
  return undefined;
}

/** A StorageError whose cause is the ToolError (so retry.ts sees rclone's exit status). */
export function rcloneError(runner: RcloneRunner, error: unknown, command: string): Error {
  if (!(error instanceof ToolError)) return error as Error;
  const tail = error.stderrTail;
  const where = `storage "${runner.storage}" (${runner.remote})`;
  if (/was not found$/.test(error.message) && error.toolExitCode === undefined) {
    return new StorageError(`${where}: the rclone binary "${runner.binary}" was not found`, 'install rclone (apt-get install rclone, or https://rclone.org/install/) or put it on PATH', error);
  }
  if (/didn't find section in config file|not found in config file|couldn't find type field/i.test(tail)) {
    const remoteName = runner.remote.slice(0, runner.remote.indexOf(':'));
    return new StorageError(
      `${where}: rclone does not know the remote "${remoteName}"`,
      `define it with \`rclone config\`${runner.configFile ? ` in ${runner.configFile}` : ''}, or set "configFile" (or RCLONE_CONFIG) to the config that has it`,
      error,
    );
  }
  let hint: string | undefined;
  if (/permission denied|403|forbidden|unauthori[sz]ed|401|token/i.test(tail))
    hint = `the remote refused access: refresh its credentials with \`rclone config reconnect ${runner.remote.slice(0, runner.remote.indexOf(':') + 1)}\` or check its permissions`;
  else if (/connection refused|no such host|timeout|i\/o timeout|network is unreachable/i.test(tail))
    hint = "the remote cannot be reached: check the network and the remote's URL in the rclone config";
  else if (/no space|quota|insufficient storage|507/i.test(tail)) hint = 'the remote is full: free space or prune old archives';
  return new StorageError(
    `${where}: rclone ${command} failed${error.toolExitCode === undefined ? '' : ` (exit ${error.toolExitCode})`}${tail ? `: ${tail.trim().split('\n').pop()}` : ''}`,
    hint,
    error,
  );
}
