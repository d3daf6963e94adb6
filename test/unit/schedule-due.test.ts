import { describe, expect, it } from 'vitest';
import { compileSchedule, decideDue, latestTick, MISSED_CAP } from '../../src/schedule/due.js';

const at = (iso: string) => new Date(iso);

interface Case {
  what: string;
  cron: string;
  timezone: string;
  lastRun?: string;
  now: string;
  due: boolean;
  tick?: string;
  nextTick?: string;
  ticks?: number;
}

const cases: Case[] = [
  // UTC basics
  { what: 'never ran: due at once', cron: '0 2 * * *', timezone: 'UTC', now: '2026-11-20T10:00:00Z', due: true, tick: '2026-11-20T02:00:00Z', ticks: 1 },
  {
    what: "ran at today's tick: not due until tomorrow",
    cron: '0 2 * * *',
    timezone: 'UTC',
    lastRun: '2026-11-20T02:00:05Z',
    now: '2026-11-20T10:00:00Z',
    due: false,
    nextTick: '2026-11-21T02:00:00Z',
    ticks: 0,
  },
  { what: 'a second before the tick', cron: '0 2 * * *', timezone: 'UTC', lastRun: '2026-11-19T02:00:05Z', now: '2026-11-20T01:59:59Z', due: false, tick: '2026-11-19T02:00:00Z' },
  { what: 'exactly at the tick', cron: '0 2 * * *', timezone: 'UTC', lastRun: '2026-11-19T02:00:05Z', now: '2026-11-20T02:00:00Z', due: true, tick: '2026-11-20T02:00:00Z', ticks: 1 },
  { what: 'run started just before a tick still owes that tick', cron: '0 2 * * *', timezone: 'UTC', lastRun: '2026-11-20T01:59:00Z', now: '2026-11-20T02:00:30Z', due: true, ticks: 1 },
  // missed ticks collapse into one run
  { what: 'five missed nightly ticks: one run', cron: '0 2 * * *', timezone: 'UTC', lastRun: '2026-11-15T02:00:05Z', now: '2026-11-20T10:00:00Z', due: true, tick: '2026-11-20T02:00:00Z', ticks: 5 },
  { what: 'a day of missed 15-minute ticks', cron: '*/15 * * * *', timezone: 'UTC', lastRun: '2026-11-19T10:00:01Z', now: '2026-11-20T10:00:01Z', due: true, tick: '2026-11-20T10:00:00Z', ticks: 96 },
  {
    what: 'a year of missed minute ticks is counted up to the cap',
    cron: '* * * * *',
    timezone: 'UTC',
    lastRun: '2025-11-20T10:00:00Z',
    now: '2026-11-20T10:00:30Z',
    due: true,
    tick: '2026-11-20T10:00:00Z',
    ticks: MISSED_CAP,
  },
  // every minute from cron
  { what: 'every minute: the next minute is due', cron: '* * * * *', timezone: 'UTC', lastRun: '2026-11-20T10:00:30Z', now: '2026-11-20T10:01:00Z', due: true, tick: '2026-11-20T10:01:00Z', ticks: 1 },
  { what: 'every minute: same minute is not', cron: '* * * * *', timezone: 'UTC', lastRun: '2026-11-20T10:00:30Z', now: '2026-11-20T10:00:59Z', due: false, nextTick: '2026-11-20T10:01:00Z' },
  { what: 'six-field pattern with seconds', cron: '*/10 * * * * *', timezone: 'UTC', lastRun: '2026-11-20T10:00:00.500Z', now: '2026-11-20T10:00:10Z', due: true, tick: '2026-11-20T10:00:10Z' },
  // timezones
  {
    what: 'Berlin in winter (UTC+1): 02:00 is 01:00Z, not yet',
    cron: '0 2 * * *',
    timezone: 'Europe/Berlin',
    lastRun: '2026-11-19T01:00:01Z',
    now: '2026-11-20T00:59:59Z',
    due: false,
    nextTick: '2026-11-20T01:00:00Z',
  },
  {
    what: 'Berlin in winter (UTC+1): due at 01:00Z',
    cron: '0 2 * * *',
    timezone: 'Europe/Berlin',
    lastRun: '2026-11-19T01:00:01Z',
    now: '2026-11-20T01:00:00Z',
    due: true,
    tick: '2026-11-20T01:00:00Z',
  },
  { what: 'New York in summer (UTC-4)', cron: '0 2 * * *', timezone: 'America/New_York', lastRun: '2026-06-30T06:00:01Z', now: '2026-07-01T06:00:00Z', due: true, tick: '2026-07-01T06:00:00Z' },
  {
    what: 'Kolkata (UTC+5:30): 02:00 is 20:30Z the day before',
    cron: '0 2 * * *',
    timezone: 'Asia/Kolkata',
    lastRun: '2026-11-18T20:30:01Z',
    now: '2026-11-19T21:00:00Z',
    due: true,
    tick: '2026-11-19T20:30:00Z',
  },
  {
    what: "UTC tick already passed but Tokyo's has not come",
    cron: '0 23 * * *',
    timezone: 'Asia/Tokyo',
    lastRun: '2026-11-19T14:00:01Z',
    now: '2026-11-20T13:59:00Z',
    due: false,
    nextTick: '2026-11-20T14:00:00Z',
  },
  // DST: a daily job runs exactly once on both transition days
  {
    what: 'Berlin spring forward: 02:30 does not exist, not due before 03:30 CEST',
    cron: '30 2 * * *',
    timezone: 'Europe/Berlin',
    lastRun: '2026-03-28T01:30:05Z',
    now: '2026-03-29T01:29:00Z',
    due: false,
  },
  {
    what: 'Berlin spring forward: runs once, shifted to 03:30 CEST',
    cron: '30 2 * * *',
    timezone: 'Europe/Berlin',
    lastRun: '2026-03-28T01:30:05Z',
    now: '2026-03-29T05:00:00Z',
    due: true,
    tick: '2026-03-29T01:30:00Z',
    ticks: 1,
  },
  { what: 'Berlin fall back: 02:30 happens twice, one tick', cron: '30 2 * * *', timezone: 'Europe/Berlin', lastRun: '2026-10-24T00:30:05Z', now: '2026-10-25T03:00:00Z', due: true, ticks: 1 },
  {
    what: 'Berlin fall back: after that run, not due again the same night',
    cron: '30 2 * * *',
    timezone: 'Europe/Berlin',
    lastRun: '2026-10-25T01:30:05Z',
    now: '2026-10-25T03:00:00Z',
    due: false,
    nextTick: '2026-10-26T01:30:00Z',
  },
  {
    what: 'New York spring forward: 02:30 skipped by the clock, still one run',
    cron: '30 2 * * *',
    timezone: 'America/New_York',
    lastRun: '2026-03-07T07:30:05Z',
    now: '2026-03-08T12:00:00Z',
    due: true,
    ticks: 1,
  },
  // sparse patterns
  { what: '29 February: the latest tick is years back', cron: '0 0 29 2 *', timezone: 'UTC', now: '2026-11-20T10:00:00Z', due: true, tick: '2024-02-29T00:00:00Z', nextTick: '2028-02-29T00:00:00Z' },
  { what: '30 February never happens', cron: '0 0 30 2 *', timezone: 'UTC', now: '2026-11-20T10:00:00Z', due: false },
];

describe('decideDue', () => {
  it.each(cases)('$what', (c) => {
    const schedule = compileSchedule('nightly', c.cron, c.timezone);
    const decision = decideDue({ schedule, ...(c.lastRun ? { lastRun: at(c.lastRun) } : {}), now: at(c.now) });
    expect(decision.due).toBe(c.due);
    expect(decision.schedule).toBe('nightly');
    if (c.tick) expect(decision.tick?.toISOString()).toBe(at(c.tick).toISOString());
    if (c.nextTick) expect(decision.nextTick?.toISOString()).toBe(at(c.nextTick).toISOString());
    if (c.ticks !== undefined) expect(decision.ticksSinceLastRun).toBe(c.ticks);
    if (c.due && c.lastRun) expect(decision.tick!.getTime()).toBeGreaterThan(at(c.lastRun).getTime());
  });

  it.each([
    { what: 'ran a second ago', lastRun: '2026-11-20T09:59:59Z' },
    { what: 'never ran', lastRun: undefined },
  ])('--now forces a run: $what', ({ lastRun }) => {
    const schedule = compileSchedule('nightly', '0 2 * * *', 'UTC');
    const decision = decideDue({ schedule, ...(lastRun ? { lastRun: at(lastRun) } : {}), now: at('2026-11-20T10:00:00Z'), force: true });
    expect(decision).toMatchObject({ due: true, reason: 'forced with --now' });
  });

  it.each([
    { what: 'missed ticks say how many collapsed', lastRun: '2026-11-15T02:00:05Z', reason: /5 ticks since, run once/ },
    { what: 'a single tick says which', lastRun: '2026-11-19T02:00:05Z', reason: /^tick 2026-11-20T02:00:00.000Z is after the last run 2026-11-19T02:00:05.000Z$/ },
    { what: 'not due names the next tick', lastRun: '2026-11-20T02:00:05Z', reason: /next tick 2026-11-21T02:00:00.000Z/ },
  ])('reasons: $what', ({ lastRun, reason }) => {
    const schedule = compileSchedule('nightly', '0 2 * * *', 'UTC');
    expect(decideDue({ schedule, lastRun: at(lastRun), now: at('2026-11-20T10:00:00Z') }).reason).toMatch(reason);
  });
});

describe('latestTick', () => {
  it.each([
    { cron: '0 2 * * *', now: '2026-11-20T02:00:00Z', tick: '2026-11-20T02:00:00Z' },
    { cron: '0 2 * * *', now: '2026-11-20T01:59:59.999Z', tick: '2026-11-19T02:00:00Z' },
    { cron: '0 0 1 1 *', now: '2026-11-20T10:00:00Z', tick: '2026-01-01T00:00:00Z' },
    { cron: '* 2 * * *', now: '2026-11-20T14:00:00Z', tick: '2026-11-20T02:59:00Z' },
    { cron: '0 9 * * 1', now: '2026-11-20T10:00:00Z', tick: '2026-11-16T09:00:00Z' },
  ])('$cron at $now -> $tick', ({ cron, now, tick }) => {
    expect(latestTick(compileSchedule('s', cron, 'UTC'), at(now))?.toISOString()).toBe(at(tick).toISOString());
  });
});

describe('compileSchedule', () => {
  it.each([
    { cron: '61 * * * *', timezone: 'UTC', error: /minute/ },
    { cron: 'every night', timezone: 'UTC', error: /./ },
    { cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons', error: /time ?zone/i },
  ])('rejects $cron in $timezone', ({ cron, timezone, error }) => {
    expect(() => compileSchedule('s', cron, timezone)).toThrow(error);
  });
});
