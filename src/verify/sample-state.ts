/**
 * Where `verify --sample` is in its rotation, kept per storage (each storage holds its own copy of
 * the archives, so each is walked through on its own): a record per run under
 * `_state/verify-sample/<parts>/`, read before the run to pick the next bucket and written after
 * it. A run that dies before writing leaves the record as it was, so the next run checks the same
 * part again rather than skipping it. Two concurrent runs may pick the same part; the next one moves on.
 */
import type { Logger } from '../context.js';
import { readNewestRecord, writeRecord } from '../storage/records.js';
import type { Storage } from '../storage/types.js';
import type { Shard } from '../schedule/shard.js';

export const SAMPLE_STATE_PREFIX = '_state/verify-sample';
const SAMPLE_HISTORY = 3;

interface SampleRecord {
  index: number;
  count: number;
  verifiedAt: string;
  archives: number;
}

function prefixFor(count: number): string {
  return `${SAMPLE_STATE_PREFIX}/${count}/`;
}

function isSampleRecord(value: unknown): value is SampleRecord {
  const v = value as Partial<SampleRecord> | null;
  return !!v && Number.isInteger(v.index) && Number.isInteger(v.count) && v.index! >= 0 && v.index! < v.count! && typeof v.verifiedAt === 'string';
}

/** The part after the one the last run of this sample size checked (the first when none did). */
export async function nextSamplePart(storage: Storage, count: number, log: Logger, signal?: AbortSignal): Promise<Shard> {
  const last = await readNewestRecord(storage, prefixFor(count), isSampleRecord, 'verify sample state', log, signal);
  return { index: last && last.count === count ? (last.index + 1) % count : 0, count };
}

/** Records that `part` was checked, so the next run moves on. */
export async function recordSamplePart(storage: Storage, part: Shard, archives: number, log: Logger, now: Date, signal?: AbortSignal): Promise<void> {
  const record: SampleRecord = { index: part.index, count: part.count, verifiedAt: now.toISOString(), archives };
  await writeRecord(storage, prefixFor(part.count), now, record, SAMPLE_HISTORY, 'verify sample state', log, signal);
}
