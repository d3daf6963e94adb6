/**
 * Legal holds (docs/archives-and-retention.md "Legal holds"). A hold is a companion object next to
 * the archive's sidecar, `<id>.hold.json`, written with the storage's ordinary `put` and removed with
 * its `delete`, so it works on every driver (local, s3, rclone). Its key never parses as an archive
 * or sidecar key (layout.ts parseKey), so it is neither an archive nor an incomplete one; the
 * catalog pairs it with its archive by id.
 *
 * The object is hostile input (anyone with write access to the storage can put one there): it is
 * read with a size cap and validated, and whatever cannot be read still means "held" with an
 * unreadable reason. Fail safe: a hold object's presence alone keeps the archive.
 */
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { parseArchiveId } from './layout.js';

export const HOLD_SUFFIX = '.hold.json';
/** A hold object larger than this is not read (a real one is a few hundred bytes). */
export const MAX_HOLD_BYTES = 64 * 1024;
export const MAX_REASON_LENGTH = 2000;

export function holdKey(id: string): string {
  return id + HOLD_SUFFIX;
}

/** The archive id a hold key is for, or undefined when the key is not a hold key. */
export function parseHoldKey(key: string): string | undefined {
  if (!key.endsWith(HOLD_SUFFIX)) return undefined;
  const id = key.slice(0, -HOLD_SUFFIX.length);
  return parseArchiveId(id) ? id : undefined;
}

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO time');

export const holdRecordSchema = z.object({
  kind: z.literal('orgbackup-hold'),
  version: z.literal(1),
  id: z.string(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  heldAt: isoTime,
  heldBy: z.object({ user: z.string().max(256), uid: z.number().int(), host: z.string().max(256), actor: z.string().max(256).optional() }),
});

export type HoldRecord = z.infer<typeof holdRecordSchema>;

/** What a hold object says: its record, or why it could not be read (still a hold). */
export type HoldState = { record: HoldRecord } | { unreadable: string };

/** Validates the bytes of the hold object of `id` (pure: table cases in test/unit/hold.test.ts). */
export function parseHold(id: string, raw: Buffer): HoldState {
  if (raw.length > MAX_HOLD_BYTES) return { unreadable: `the hold object is ${raw.length} bytes, more than a hold record can be` };
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { unreadable: 'the hold object is not valid JSON' };
  }
  const parsed = holdRecordSchema.safeParse(json);
  if (!parsed.success)
    return { unreadable: `the hold object is not an orgbackup hold record (${parsed.error.issues[0]?.path.join('.') || 'record'}: ${parsed.error.issues[0]?.message ?? 'invalid'})` };
  if (parsed.data.id !== id) return { unreadable: `the hold object names another archive (${parsed.data.id})` };
  return { record: parsed.data };
}

/** Reads the hold of `id`; any failure to read is an unreadable hold, never "not held". */
export async function readHold(storage: Storage, id: string, size: number | undefined, signal?: AbortSignal): Promise<HoldState> {
  if (size !== undefined && size > MAX_HOLD_BYTES) return { unreadable: `the hold object is ${size} bytes, more than a hold record can be` };
  try {
    return parseHold(id, await storage.getBuffer(holdKey(id), { signal }));
  } catch (error) {
    if (signal?.aborted) throw error;
    return { unreadable: `the hold object could not be read: ${errorMessage(error).split('\n')[0]!}` };
  }
}

/** One line for messages and reports: who held it when, and why. */
export function describeHold(state: HoldState): string {
  if ('unreadable' in state) return `under legal hold (reason unreadable: ${state.unreadable})`;
  const { record } = state;
  const who = record.heldBy.actor ? `${record.heldBy.actor} (${record.heldBy.user}@${record.heldBy.host})` : `${record.heldBy.user}@${record.heldBy.host}`;
  return `under legal hold since ${record.heldAt} by ${who}: ${JSON.stringify(record.reason)}`;
}

/** The hold as result documents show it. */
export interface HoldInfo {
  reason?: string;
  heldAt?: string;
  heldBy?: string;
  actor?: string;
  /** Set when the hold object could not be read: the archive is held all the same. */
  unreadable?: string;
}

export function holdInfo(state: HoldState): HoldInfo {
  if ('unreadable' in state) return { unreadable: state.unreadable };
  const { record } = state;
  return { reason: record.reason, heldAt: record.heldAt, heldBy: `${record.heldBy.user}@${record.heldBy.host}`, ...(record.heldBy.actor ? { actor: record.heldBy.actor } : {}) };
}
