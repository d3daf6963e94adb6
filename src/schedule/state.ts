/**
 * The record of schedule runs, kept in the schedule's first storage so a stateless container (a
 * Kubernetes CronJob pod) knows what ran before it: one record per run under
 * `_state/schedules/<schedule>/<shard>/` (storage/records.ts), the newest readable one the last run.
 */
import os from 'node:os';
import type { Logger } from '../context.js';
import { readNewestRecord, writeRecord } from '../storage/records.js';
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

function isRecord(value: unknown): value is ScheduleRunRecord {
  const v = value as Partial<ScheduleRunRecord> | null;
  return !!v && typeof v.startedAt === 'string' && !Number.isNaN(Date.parse(v.startedAt)) && typeof v.schedule === 'string';
}

/** The newest readable run record, or undefined when the schedule (and shard) never ran. */
export async function readLastRun(storage: Storage, schedule: string, shard: string, log: Logger, signal?: AbortSignal): Promise<ScheduleRunRecord | undefined> {
  return readNewestRecord(storage, statePrefix(schedule, shard), isRecord, 'schedule state', log, signal);
}

export function newRunRecord(fields: Omit<ScheduleRunRecord, 'host' | 'pid'>): ScheduleRunRecord {
  return { ...fields, host: os.hostname(), pid: process.pid };
}

/** Writes the record under a new key, then removes records beyond the history. */
export async function recordRun(storage: Storage, record: ScheduleRunRecord, log: Logger, signal?: AbortSignal): Promise<string> {
  return writeRecord(storage, statePrefix(record.schedule, record.shard), new Date(record.startedAt), record, STATE_HISTORY, 'schedule state', log, signal);
}
