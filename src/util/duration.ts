import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** `90s`, `26h`, `30d`, `1y` -> milliseconds (a year is 365 days). */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what}: "${text}" is not a duration`, { hint: 'use a number and a unit: 90s, 26h, 30d, 1y' });
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
