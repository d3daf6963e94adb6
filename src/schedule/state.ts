/**
 * The record of schedule runs, kept in the schedule's first storage so a stateless container (a
 * Kubernetes CronJob pod) knows what ran before it. Storage `put` never overwrites, so every run
 * writes a new key `_state/schedules/<schedule>/<shard>/<timestamp>.json`; the newest readable one
 * is the last run, and older ones beyond a short history are removed after each write.
 */
import os from 'node:os';
import { formatTimestamp, parseTimestamp } from '../archive/layout.js';
import type { Logger } from '../context.js';
import { errorMessage } from '../errors.js';
import type { Storage } from '../storage/types.js';

export const STATE_PREFIX = '_state/schedules';
/** Runs kept for inspection (`ls _state/schedules/<name>/<shard>/`); older records are removed. */
export const STATE_HISTORY = 5;

export interface ScheduleRunRecord {
  schedule: string;
  shard: string;
  /** When the run started; the next run is due at the first tick after this. */
  startedAt: string;
  finishedAt: string;
  /** The tick this run served, when it was due by the clock (not forced). */
  tick?: string;
  exitCode: number;
  status: 'ok' | 'partial' | 'failed';
  counts: { ok: number; partial: number; failed: number };
  /** Why a run that did not succeed failed, on one line (shown by the next run). */
  error?: string;
  host: string;
  pid: number;
}

function statePrefix(schedule: string, shard: string): string {
  return `${STATE_PREFIX}/${schedule}/${shard}/`;
}

async function recordKeys(storage: Storage, schedule: string, shard: string, signal?: AbortSignal): Promise<string[]> {
  const prefix = statePrefix(schedule, shard);
  const keys: string[] = [];
  for await (const object of storage.list(prefix, { signal })) {
    const name = object.key.slice(prefix.length);
    if (name.endsWith('.json') && parseTimestamp(name.slice(0, -'.json'.length))) keys.push(object.key);
  }
  // Timestamps are fixed-width UTC, so the lexical order is the time order.
  return keys.sort().reverse();
}

function isRecord(value: unknown): value is ScheduleRunRecord {
  const v = value as Partial<ScheduleRunRecord> | null;
  return !!v && typeof v.startedAt === 'string' && !Number.isNaN(Date.parse(v.startedAt)) && typeof v.schedule === 'string';
}

/** The newest readable run record, or undefined when the schedule (and shard) never ran. */
export async function readLastRun(storage: Storage, schedule: string, shard: string, log: Logger, signal?: AbortSignal): Promise<ScheduleRunRecord | undefined> {
  for (const key of await recordKeys(storage, schedule, shard, signal)) {
    try {
      const parsed: unknown = JSON.parse((await storage.getBuffer(key, { signal })).toString('utf8'));
      if (isRecord(parsed)) return parsed;
      log.warn(`ignoring schedule state ${key} in storage "${storage.name}": not a run record`);
    } catch (error) {
      log.warn(`ignoring schedule state ${key} in storage "${storage.name}": ${errorMessage(error)}`);
    }
  }
  return undefined;
}

export function newRunRecord(fields: Omit<ScheduleRunRecord, 'host' | 'pid'>): ScheduleRunRecord {
  return { ...fields, host: os.hostname(), pid: process.pid };
}

/** Writes the record under a new key, then removes records beyond the history. */
export async function recordRun(storage: Storage, record: ScheduleRunRecord, log: Logger, signal?: AbortSignal): Promise<string> {
  const key = `${statePrefix(record.schedule, record.shard)}${formatTimestamp(new Date(record.startedAt))}.json`;
  await storage.put(key, Buffer.from(JSON.stringify(record, null, 2) + '\n'), { signal });
  const keys = await recordKeys(storage, record.schedule, record.shard, signal);
  for (const old of keys.slice(STATE_HISTORY)) {
    await storage.delete(old, { signal }).catch((error: unknown) => log.warn(`could not remove old schedule state ${old}: ${errorMessage(error)}`));
  }
  return key;
}
