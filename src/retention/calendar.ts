/**
 * Calendar buckets of an instant in a time zone, for GFS retention. Buckets follow the wall clock
 * of the configured zone (restic uses local time too): an archive made at 00:30 in Berlin belongs
 * to that Berlin day, not to the previous UTC day. Weeks are ISO 8601 weeks (Monday first, week 1
 * holds the year's first Thursday), so 2026-12-31 belongs to 2026-W53 and 2027-01-01 too.
 */
import { UsageError } from '../errors.js';

export type BucketKind = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' });
    } catch {
      throw new UsageError(`retention.timezone: "${timeZone}" is not a time zone`, { hint: 'use an IANA zone name such as UTC, Europe/Berlin or America/New_York' });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws UsageError when the zone is unknown, before any decision is made. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = Date.UTC(year, month - 1, day);
  const weekday = new Date(date).getUTCDay() || 7; // Monday 1 .. Sunday 7
  const thursday = new Date(date + (4 - weekday) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * 86_400_000));
  return { year: isoYear, week };
}

/** The bucket label of an instant, also used as the human reason (`daily 2026-11-20`). */
export function bucketOf(kind: BucketKind, instant: Date, timeZone: string): string {
  const t = wallClock(instant, timeZone);
  switch (kind) {
    case 'hourly':
      return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:00`;
    case 'daily':
      return `${t.year}-${pad(t.month)}-${pad(t.day)}`;
    case 'weekly': {
      const w = isoWeek(t.year, t.month, t.day);
      return `${w.year}-W${pad(w.week)}`;
    }
    case 'monthly':
      return `${t.year}-${pad(t.month)}`;
    case 'yearly':
      return String(t.year);
  }
}
