/** Cron patterns and time zones are checked when the config loads (exit 2), not first by schedule-run. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const base = {
  version: 1,
  sources: { app: { type: 'postgres', url: 'postgres://backup@db:5432/app' } },
  storage: { local: { type: 'local', path: './backups' } },
};

function problemsOf(schedule: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
  try {
    parseConfig({ ...base, ...extra, schedules: { nightly: schedule } }, {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('schedule cron and timezone at load', () => {
  it.each([
    ['0 2 * * *', undefined],
    ['*/15 * * * *', 'Europe/Berlin'],
    ['0 2 * * MON-FRI', 'America/New_York'],
    ['*/10 * * * * *', 'Asia/Kolkata'],
    ['@daily', 'UTC'],
    ['0 0 29 2 *', 'Etc/GMT+2'],
  ])('accepts %j in %j', (cron, timezone) => {
    expect(problemsOf({ cron, ...(timezone ? { timezone } : {}) })).toEqual([]);
  });

  it.each([
    ['99 * * * *', 'schedules.nightly.cron: "99 * * * *" is not a cron pattern: the minute field "99" must be 0-59'],
    ['0 25 * * *', 'schedules.nightly.cron: "0 25 * * *" is not a cron pattern: the hour field "25" must be 0-23'],
    ['0 0 32 * *', 'schedules.nightly.cron: "0 0 32 * *" is not a cron pattern: the day-of-month field "32" must be 1-31'],
    ['0 0 1 13 *', 'schedules.nightly.cron: "0 0 1 13 *" is not a cron pattern: the month field "13" must be 1-12'],
    ['0 2 * * 8', 'schedules.nightly.cron: "0 2 * * 8" is not a cron pattern: the day-of-week field "8" must be 0-7'],
    ['60 0 2 * * *', 'schedules.nightly.cron: "60 0 2 * * *" is not a cron pattern: the second field "60" must be 0-59'],
    ['*/0 * * * *', 'schedules.nightly.cron: "*/0 * * * *" is not a cron pattern: the minute field "*/0"'],
    ['every night', 'schedules.nightly.cron: "every night" is not a cron pattern: it has 2 field(s), not 5'],
    ['0 2 * *', 'schedules.nightly.cron: "0 2 * *" is not a cron pattern: it has 4 field(s)'],
    ['', 'schedules.nightly.cron: "" is not a cron pattern: it has 0 field(s)'],
    ['@nightly', 'schedules.nightly.cron: "@nightly" is not a cron pattern: use @yearly, @monthly, @weekly, @daily or @hourly'],
    ['0 0 30 2 *', 'schedules.nightly.cron: "0 0 30 2 *" never matches a date, so the schedule would never run'],
  ])('rejects cron %j naming the key', (cron, expected) => {
    const problems = problemsOf({ cron });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it.each([
    ['Mars/Olympus', 'schedules.nightly.timezone: "Mars/Olympus" is not a time zone (use an IANA name such as UTC or Europe/Berlin)'],
    ['+02:00', 'schedules.nightly.timezone: "+02:00" is not a time zone'],
    ['', 'schedules.nightly.timezone: "" is not a time zone'],
  ])('rejects timezone %j naming the key', (timezone, expected) => {
    const problems = problemsOf({ cron: '0 2 * * *', timezone });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('reports a bad cron, a bad timezone and other problems at once', () => {
    const problems = problemsOf({ cron: '99 * * * *', timezone: 'Mars/Olympus' }, { defaults: { jobs: 0 } });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^schedules\.nightly\.cron: /), expect.stringMatching(/^schedules\.nightly\.timezone: /), expect.stringMatching(/^defaults\.jobs: /)]),
    );
  });

  it('still checks retention.timezone', () => {
    expect(problemsOf({ cron: '0 2 * * *' }, { retention: { keepLast: 1, timezone: 'Mars/Olympus' } })).toEqual([
      'retention.timezone: "Mars/Olympus" is not a time zone (use an IANA name such as UTC or Europe/Berlin)',
    ]);
  });
});
