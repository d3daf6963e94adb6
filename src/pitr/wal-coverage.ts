/**
 * Preflight of a point-in-time restore: does the archived WAL take recovery from the base backup to
 * the target time? Recovery reads every segment from the backup's start on and stops at the first
 * commit after the target, so the archive must hold those segments without a gap, and the last of
 * them must hold a commit later than the target. Checked before anything is copied, for every
 * provider alike: a provider only lists its archive's names and fetches a segment (types.ts).
 */
import { stat } from 'node:fs/promises';
import { PreflightError } from '../errors.js';
import type { WalArchive } from './types.js';
import { contiguousRun, parseSegmentName, segmentEndLsn, timelineChain, type SegmentName } from './wal-names.js';
import { isoOfMicros, micros, segmentCommits } from './waldump.js';

/** The archive ends before the target time. */
export class WalEndsError extends PreflightError {}
/** A segment between the base backup and the target time is not in the archive. */
export class WalGapError extends PreflightError {
  constructor(
    readonly segment: string,
    message: string,
    hint: string,
  ) {
    super(message, { hint });
  }
}

export interface WalCoverage {
  /** The last commit the archive holds (ISO time). */
  lastCommitAt: string;
  /** The end of the segment holding the first commit after the target: what replay progress is measured against. */
  targetLsn: bigint;
  /** The archive's segment size. */
  segmentBytes: number;
}

const CHOOSE_EARLIER = (last: string) => `choose an --at before ${last}`;

export async function checkWalReaches(archive: WalArchive, start: string, at: Date, binDir: string, signal: AbortSignal): Promise<WalCoverage> {
  const names = await archive.segments();
  const segmentBytes = names.length ? await archive.fetch(names[names.length - 1]!, async (file) => (await stat(file)).size) : undefined;
  const first = parseSegmentName(start, segmentBytes);
  if (!first || !segmentBytes) {
    throw new WalEndsError(`the WAL archive (${archive.where}) holds no segment from the base backup's start (${start}) on: recovery cannot reach ${at.toISOString()}`, {
      hint: 'check that archive_command (or archive-push) archives this server\u2019s WAL into that archive',
    });
  }
  const run = contiguousRun(names, await chainFor(archive, names, first, segmentBytes), first, segmentBytes);
  const commitsOf = cachedCommits(archive, binDir, signal);
  const last = await lastCommit(run.segments, commitsOf);
  const target = micros(at);
  if (last && last.time > target) {
    const index = await firstSegmentAfter(run.segments, last.index, target, commitsOf);
    return { lastCommitAt: isoOfMicros(last.time), targetLsn: segmentEndLsn(parseSegmentName(run.segments[index]!, segmentBytes)!.segno, segmentBytes), segmentBytes };
  }
  const reached = last ? `its last commit before that is at ${isoOfMicros(last.time)}` : 'it holds no commit after the base backup started';
  if (run.missing && run.gap) {
    throw new WalGapError(
      run.missing,
      `WAL segment ${run.missing} is missing from the archive (${archive.where}); recovery cannot reach ${at.toISOString()}: ${reached}`,
      `put the segment back into the archive if a copy exists (the server's pg_wal, another repository)${last ? `, or ${CHOOSE_EARLIER(isoOfMicros(last.time))}` : ''}`,
    );
  }
  throw new WalEndsError(`the archived WAL (${archive.where}) ends before ${at.toISOString()}: ${reached}, so recovery cannot reach that time`, {
    hint: `${last ? `${CHOOSE_EARLIER(isoOfMicros(last.time))}, or ` : ''}wait until the server has archived the segment holding that time (archive_timeout bounds the wait; SELECT pg_switch_wal() on it closes the segment now)`,
  });
}

/** The timelines recovery follows (target `latest`): the newest history in the archive that descends from the backup's timeline. */
async function chainFor(archive: WalArchive, names: string[], first: SegmentName, segmentBytes: number) {
  const tlis = [...new Set(names.map((n) => parseSegmentName(n, segmentBytes)!.tli))].filter((t) => t > first.tli).sort((a, b) => b - a);
  for (const tli of tlis) {
    const chain = timelineChain(tli, await archive.history(tli));
    if (chain.some((t) => t.tli === first.tli)) return chain;
  }
  return timelineChain(first.tli, undefined);
}

type CommitsOf = (index: number, segments: string[]) => Promise<number[]>;

function cachedCommits(archive: WalArchive, binDir: string, signal: AbortSignal): CommitsOf {
  const seen = new Map<string, Promise<number[]>>();
  return (index, segments) => {
    const name = segments[index]!;
    let times = seen.get(name);
    if (!times) seen.set(name, (times = archive.fetch(name, (file) => segmentCommits(binDir, file, signal))));
    return times;
  };
}

/** The newest commit in the run, walking back from its end past segments that hold none. */
async function lastCommit(segments: string[], commitsOf: CommitsOf): Promise<{ index: number; time: number } | undefined> {
  for (let index = segments.length - 1; index >= 0; index--) {
    const times = await commitsOf(index, segments);
    if (times.length) return { index, time: Math.max(...times) };
  }
  return undefined;
}

/** Binary search for the first segment holding a commit after `target`; segment `known` holds one. */
async function firstSegmentAfter(segments: string[], known: number, target: number, commitsOf: CommitsOf): Promise<number> {
  let answer = known;
  // The answer is `answer` or in [lo, hi).
  let lo = 0;
  let hi = known;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    let probe = mid;
    let times = await commitsOf(probe, segments);
    while (!times.length && probe + 1 < hi) times = await commitsOf(++probe, segments);
    if (!times.length)
      hi = mid; // no commit in [mid, hi)
    else if (times.some((t) => t > target)) {
      answer = probe;
      hi = mid; // [mid, probe) holds no commit
    } else lo = probe + 1;
  }
  return answer;
}
