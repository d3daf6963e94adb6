/**
 * `verify --subset I/N` and `--sample P%`: a fleet too large for a nightly full pass is verified in
 * N parts, one per run. A tenant's part is its shard (schedule/shard.ts: a stable hash of source and
 * tenant id), so it stays in its part from run to run and across storages, parts are numbered
 * 0..N-1 like `schedule-run --shard`, and the N parts together hold every tenant exactly once.
 * Pure: the rotation state lives in verify/sample-state.ts.
 */
import { UsageError } from '../errors.js';
import { MAX_SHARDS, shardOf, type Shard } from '../schedule/shard.js';

/** `2/7` -> part 2 of 0..6. */
export function parseSubset(text: string): Shard {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new UsageError(`--subset ${text}: expected I/N with N from 1 to ${MAX_SHARDS} and I from 0 to N-1`, {
      hint: 'e.g. --subset 3/7 checks the fourth of seven parts of the tenants (parts are numbered from 0, like --shard)',
    });
  }
  return { index, count };
}

/** `10%` -> 10 parts; a share that does not divide 100 gets the next whole count (30% -> 4 parts of 25%). */
export function parseSample(text: string): number {
  const match = /^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*$/.exec(text);
  const percent = Number(match?.[1]);
  const count = Math.ceil(100 / percent);
  if (!match || !(percent > 0) || percent > 100 || count > MAX_SHARDS) {
    throw new UsageError(`--sample ${text}: expected a percentage from ${100 / MAX_SHARDS}% to 100%`, {
      hint: 'e.g. --sample 15% checks about a seventh of the tenants per run: all of them over 7 runs',
    });
  }
  return count;
}

export function inSubset(ref: { source: string; tenant: string }, part: Shard): boolean {
  return shardOf(ref.source, ref.tenant, part.count) === part.index;
}
