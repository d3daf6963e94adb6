/**
 * The commit times in a WAL segment, from `pg_waldump -r Transaction` of the backup's own major.
 * Recovery to a time stops at the first commit (or abort) after it, so these are what says how far
 * an archive reaches in time. Times are microseconds since the epoch (WAL keeps microseconds, and
 * the target time must be compared with them exactly).
 */
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { runTool, ToolError } from '../exec.js';

const RECORD = /desc: (?:COMMIT|ABORT)(?:_PREPARED)? (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))? UTC/;

/** The commit and abort times pg_waldump printed (run with TZ=UTC), in microseconds. */
export function commitTimes(output: string): number[] {
  const out: number[] = [];
  for (const line of output.split('\n')) {
    const m = RECORD.exec(line);
    if (!m) continue;
    const ms = Date.parse(`${m[1]}T${m[2]}Z`);
    if (!Number.isNaN(ms)) out.push(ms * 1000 + Number((m[3] ?? '').padEnd(6, '0')));
  }
  return out;
}

/** Microseconds since the epoch of a time given in milliseconds. */
export const micros = (at: Date): number => at.getTime() * 1000;

/** Formats microseconds as an ISO time (to the millisecond, rounded down). */
export const isoOfMicros = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

/** The commit times in one segment file. The last segment of an archive ends in no valid record: pg_waldump exits 1 there, after printing what it read. */
export async function segmentCommits(binDir: string, file: string, signal: AbortSignal): Promise<number[]> {
  let text = '';
  const stdout = new PassThrough();
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const ended = new Promise((resolve) => stdout.once('end', resolve));
  try {
    await runTool(path.join(binDir, 'pg_waldump'), ['-r', 'Transaction', file], { stdout, signal, env: { TZ: 'UTC' } });
  } catch (error) {
    if (!(error instanceof ToolError) || error.toolExitCode !== 1) throw error;
  }
  await ended;
  return commitTimes(text);
}
