/**
 * Small JSON records kept in storage under a prefix, one object per write: storage `put` never
 * overwrites, so each write takes a new key `<prefix><timestamp>.json`, the newest readable one is
 * the current record, and older ones beyond a short history are removed after each write. Used for
 * the schedule run state and the rotation of `verify --sample`, so a stateless container (a
 * Kubernetes CronJob pod) knows what the run before it did.
 */
import { formatTimestamp, parseTimestamp } from '../archive/layout.js';
import type { Logger } from '../context.js';
import { errorMessage } from '../errors.js';
import type { Storage } from './types.js';

/** A record is a few hundred bytes; anything far larger under the prefix is not read into memory. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Record keys under `prefix` with their sizes, newest first (timestamps are fixed-width UTC: lexical order is time order). */
async function recordObjects(storage: Storage, prefix: string, signal?: AbortSignal): Promise<{ key: string; size: number }[]> {
  const objects: { key: string; size: number }[] = [];
  for await (const object of storage.list(prefix, { signal })) {
    const name = object.key.slice(prefix.length);
    if (name.endsWith('.json') && parseTimestamp(name.slice(0, -'.json'.length))) objects.push({ key: object.key, size: object.size });
  }
  return objects.sort((a, b) => (a.key < b.key ? 1 : -1));
}

/** The newest record under `prefix` that `isRecord` accepts; unreadable ones are skipped with a warning naming `what`. */
export async function readNewestRecord<T>(storage: Storage, prefix: string, isRecord: (value: unknown) => value is T, what: string, log: Logger, signal?: AbortSignal): Promise<T | undefined> {
  for (const { key, size } of await recordObjects(storage, prefix, signal)) {
    if (size > MAX_RECORD_BYTES) {
      log.warn(`ignoring ${what} ${key} in storage "${storage.name}": ${size} bytes is not a record (at most ${MAX_RECORD_BYTES})`);
      continue;
    }
    try {
      const parsed: unknown = JSON.parse((await storage.getBuffer(key, { signal })).toString('utf8'));
      if (isRecord(parsed)) return parsed;
      log.warn(`ignoring ${what} ${key} in storage "${storage.name}": not a valid record`);
    } catch (error) {
      log.warn(`ignoring ${what} ${key} in storage "${storage.name}": ${errorMessage(error)}`);
    }
  }
  return undefined;
}

/** Writes `record` under a new key for `time`, then removes records beyond the newest `history`. */
export async function writeRecord(storage: Storage, prefix: string, time: Date, record: unknown, history: number, what: string, log: Logger, signal?: AbortSignal): Promise<string> {
  const key = `${prefix}${formatTimestamp(time)}.json`;
  await storage.put(key, Buffer.from(JSON.stringify(record, null, 2) + '\n'), { signal });
  for (const { key: old } of (await recordObjects(storage, prefix, signal)).slice(history)) {
    await storage.delete(old, { signal }).catch((error: unknown) => log.warn(`could not remove old ${what} ${old}: ${errorMessage(error)}`));
  }
  return key;
}
