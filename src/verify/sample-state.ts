/**
 * Where `verify --sample` is in its rotation, kept per storage (each storage holds its own copy of
 * the archives, so each is walked through on its own): a record per run under
 * `_state/verify-sample/<parts>/`, read before the run to pick the next bucket and written after
 * it. A run that dies before writing leaves the record as it was, so the next run checks the same
 * part again rather than skipping it. Two concurrent runs may pick the same part; the next one moves on.
 * A record is untrusted storage content: one that is not exactly a record (zod), or is larger than
 * a record can be, is skipped with a warning and the one before it is used (a part is repeated,
 * never skipped); with none left the rotation starts again at part 0.
 */
import { z } from 'zod';
import type { Logger } from '../context.js';
import { readNewestRecord, writeRecord } from '../storage/records.js';
import { AlreadyExistsError, type Storage } from '../storage/types.js';
import { errorMessage } from '../errors.js';
import type { Shard } from '../schedule/shard.js';

export const SAMPLE_STATE_PREFIX = '_state/verify-sample';
const SAMPLE_HISTORY = 3;

const SampleRecord = z
  .strictObject({
    index: z.number().int().min(0),
    count: z.number().int().min(1),
    verifiedAt: z.iso.datetime(),
    archives: z.number().int().min(0),
  })
  .refine((r) => r.index < r.count);
type SampleRecord = z.infer<typeof SampleRecord>;

function prefixFor(count: number): string {
  return `${SAMPLE_STATE_PREFIX}/${count}/`;
}

function isSampleRecord(value: unknown): value is SampleRecord {
  return SampleRecord.safeParse(value).success;
}

/** The part after the one the last run of this sample size checked (the first when none did). */
export async function nextSamplePart(storage: Storage, count: number, log: Logger, signal?: AbortSignal): Promise<Shard> {
  const last = await readNewestRecord(storage, prefixFor(count), isSampleRecord, 'verify sample state', log, signal);
  return { index: last && last.count === count ? (last.index + 1) % count : 0, count };
}

/** Records that `part` was checked, so the next run moves on. */
export async function recordSamplePart(storage: Storage, part: Shard, archives: number, log: Logger, now: Date, signal?: AbortSignal): Promise<void> {
  const record: SampleRecord = { index: part.index, count: part.count, verifiedAt: now.toISOString(), archives };
  try {
    await writeRecord(storage, prefixFor(part.count), now, record, SAMPLE_HISTORY, 'verify sample state', log, signal);
  } catch (error) {
    // A concurrent run wrote its record in the same millisecond: it checked a part too, and the next run moves on from it.
    if (!(error instanceof AlreadyExistsError)) throw error;
    log.warn(`verify sample state in storage "${storage.name}": another run recorded its part at the same instant (${errorMessage(error)}); keeping its record`);
  }
}
