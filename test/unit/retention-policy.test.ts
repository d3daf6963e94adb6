import { describe, expect, it } from 'vitest';
import { applyRetention, type RetentionArchive, type RetentionDecision } from '../../src/retention/policy.js';
import { bucketOf, isoWeek } from '../../src/retention/calendar.js';
import { parseSize } from '../../src/retention/size.js';
import type { RetentionPolicy } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';

const HOUR = 3_600_000;
const at = (iso: string, size?: number): RetentionArchive => ({ id: iso, time: new Date(iso), size });
/** `<id> <reasons>` of the kept archives, newest first: the golden form of a decision list. */
const kept = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === 'keep').map((d) => `${d.id} ${d.reasons.join(', ')}`);
const removed = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === 'remove').map((d) => d.id);

describe('applyRetention: hourly for 3 days + daily for 2 years (UTC)', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  const archives: RetentionArchive[] = [];
  for (let h = 0; h < 72; h++) archives.push(at(new Date(now.getTime() - h * HOUR).toISOString()));
  for (let d = 4; d < 734; d++) archives.push(at(new Date(Date.UTC(2026, 10, 20 - d, 2)).toISOString()));
  const policy: RetentionPolicy = { keepLast: 2, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 2 };

  it('keeps exactly the golden set, with every reason', () => {
    const hourlies = Array.from({ length: 22 }, (_, i) => {
      const t = new Date(now.getTime() - (i + 2) * HOUR).toISOString();
      const label = `${t.slice(0, 10)} ${t.slice(11, 16)}`;
      return `${t} hourly ${label}${t === '2026-11-19T23:00:00.000Z' ? ', daily 2026-11-19' : ''}`;
    });
    expect(kept(applyRetention(archives, policy, now, 'UTC'))).toEqual([
      '2026-11-20T12:00:00.000Z last 1, hourly 2026-11-20 12:00, daily 2026-11-20, weekly 2026-W47, monthly 2026-11, yearly 2026',
      '2026-11-20T11:00:00.000Z last 2, hourly 2026-11-20 11:00',
      ...hourlies,
      '2026-11-18T23:00:00.000Z daily 2026-11-18',
      '2026-11-17T23:00:00.000Z daily 2026-11-17',
      '2026-11-16T02:00:00.000Z daily 2026-11-16',
      '2026-11-15T02:00:00.000Z daily 2026-11-15, weekly 2026-W46',
      '2026-11-14T02:00:00.000Z daily 2026-11-14',
      '2026-11-08T02:00:00.000Z weekly 2026-W45',
      '2026-11-01T02:00:00.000Z weekly 2026-W44',
      '2026-10-31T02:00:00.000Z monthly 2026-10',
      '2026-09-30T02:00:00.000Z monthly 2026-09',
      '2026-08-31T02:00:00.000Z monthly 2026-08',
      '2026-07-31T02:00:00.000Z monthly 2026-07',
      '2026-06-30T02:00:00.000Z monthly 2026-06',
      '2026-05-31T02:00:00.000Z monthly 2026-05',
      '2026-04-30T02:00:00.000Z monthly 2026-04',
      '2026-03-31T02:00:00.000Z monthly 2026-03',
      '2026-02-28T02:00:00.000Z monthly 2026-02',
      '2026-01-31T02:00:00.000Z monthly 2026-01',
      '2025-12-31T02:00:00.000Z monthly 2025-12, yearly 2025',
    ]);
  });

  it('removes everything else with a reason, and does not depend on input order', () => {
    const shuffled = [...archives].reverse();
    const decisions = applyRetention(shuffled, policy, now, 'UTC');
    expect(decisions).toHaveLength(802);
    expect(removed(decisions)).toHaveLength(802 - 42);
    expect(decisions.filter((d) => d.action === 'remove').every((d) => d.reasons.join() === 'not kept by any rule')).toBe(true);
    expect(decisions.map((d) => d.id)).toEqual(
      [...archives]
        .map((a) => a.id)
        .sort()
        .reverse(),
    );
  });
});

describe('applyRetention: daylight saving time', () => {
  // Europe/Berlin falls back on 2026-10-25 at 03:00 CEST (01:00Z): 02:00-03:00 local happens twice.
  const berlinFallBack = ['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:00:00.000Z'].map(
    (t) => at(t),
  );
  // America/New_York falls back on 2026-11-01 at 02:00 EDT (06:00Z): 01:00-02:00 local happens twice.
  const newYorkFallBack = ['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T07:00:00.000Z'].map(
    (t) => at(t),
  );
  // Spring forward: Berlin 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z); New York 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
  const berlinSpring = ['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z'].map((t) => at(t));
  const newYorkSpring = ['2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z'].map((t) => at(t));

  it.each([
    [
      'Berlin fall-back: the repeated 02:00 hour is one bucket',
      berlinFallBack,
      'Europe/Berlin',
      ['2026-10-25T02:00:00.000Z hourly 2026-10-25 03:00', '2026-10-25T01:30:00.000Z hourly 2026-10-25 02:00', '2026-10-24T23:00:00.000Z hourly 2026-10-25 01:00'],
    ],
    [
      'the same archives in UTC: five distinct hours',
      berlinFallBack,
      'UTC',
      [
        '2026-10-25T02:00:00.000Z hourly 2026-10-25 02:00',
        '2026-10-25T01:30:00.000Z hourly 2026-10-25 01:00',
        '2026-10-25T00:30:00.000Z hourly 2026-10-25 00:00',
        '2026-10-24T23:00:00.000Z hourly 2026-10-24 23:00',
      ],
    ],
    [
      'New York fall-back: the repeated 01:00 hour is one bucket',
      newYorkFallBack,
      'America/New_York',
      ['2026-11-01T07:00:00.000Z hourly 2026-11-01 02:00', '2026-11-01T06:30:00.000Z hourly 2026-11-01 01:00', '2026-11-01T04:00:00.000Z hourly 2026-11-01 00:00'],
    ],
    ['Berlin spring-forward: 01:30 CET then 03:30 CEST', berlinSpring, 'Europe/Berlin', ['2026-03-29T01:30:00.000Z hourly 2026-03-29 03:00', '2026-03-29T00:30:00.000Z hourly 2026-03-29 01:00']],
    ['New York spring-forward: 01:30 EST then 03:30 EDT', newYorkSpring, 'America/New_York', ['2026-03-08T07:30:00.000Z hourly 2026-03-08 03:00', '2026-03-08T06:30:00.000Z hourly 2026-03-08 01:00']],
  ])('%s', (_label, archives, zone, golden) => {
    expect(kept(applyRetention(archives, { keepHourly: 10 }, new Date('2026-12-01T00:00:00Z'), zone))).toEqual(golden);
  });

  it.each([
    // 23:30Z on 03-28 is 00:30 on 03-29 in Berlin: a different day than in UTC.
    ['Europe/Berlin', ['2026-03-29T21:00:00.000Z daily 2026-03-29', '2026-03-28T20:00:00.000Z daily 2026-03-28']],
    ['UTC', ['2026-03-29T21:00:00.000Z daily 2026-03-29', '2026-03-28T23:30:00.000Z daily 2026-03-28']],
    // 04:30Z on 11-02 is 23:30 EST on 11-01 in New York.
    ['America/New_York', ['2026-03-29T21:00:00.000Z daily 2026-03-29', '2026-03-28T23:30:00.000Z daily 2026-03-28']],
  ])('daily buckets follow the wall clock of %s', (zone, golden) => {
    const archives = ['2026-03-28T20:00:00.000Z', '2026-03-28T23:30:00.000Z', '2026-03-29T21:00:00.000Z'].map((t) => at(t));
    expect(kept(applyRetention(archives, { keepDaily: 2 }, new Date('2026-04-01T00:00:00Z'), zone))).toEqual(golden);
  });

  it('a New York evening after the fall-back belongs to the local day', () => {
    const archives = ['2026-11-01T12:00:00.000Z', '2026-11-02T04:30:00.000Z', '2026-11-02T15:00:00.000Z'].map((t) => at(t));
    expect(kept(applyRetention(archives, { keepDaily: 3 }, new Date('2026-11-03T00:00:00Z'), 'America/New_York'))).toEqual([
      '2026-11-02T15:00:00.000Z daily 2026-11-02',
      '2026-11-02T04:30:00.000Z daily 2026-11-01',
    ]);
  });
});

describe('applyRetention: leap years', () => {
  it.each([
    [
      '2024 (leap)',
      ['2024-02-28T02:00:00.000Z', '2024-02-29T02:00:00.000Z', '2024-03-01T02:00:00.000Z'],
      ['2024-03-01T02:00:00.000Z daily 2024-03-01, monthly 2024-03', '2024-02-29T02:00:00.000Z daily 2024-02-29, monthly 2024-02', '2024-02-28T02:00:00.000Z daily 2024-02-28'],
    ],
    [
      '2026 (common)',
      ['2026-02-27T02:00:00.000Z', '2026-02-28T02:00:00.000Z', '2026-03-01T02:00:00.000Z'],
      ['2026-03-01T02:00:00.000Z daily 2026-03-01, monthly 2026-03', '2026-02-28T02:00:00.000Z daily 2026-02-28, monthly 2026-02', '2026-02-27T02:00:00.000Z daily 2026-02-27'],
    ],
    // 2100 is not a leap year: Feb 28 is followed by Mar 1.
    [
      '2100 (century, common)',
      ['2100-02-28T12:00:00.000Z', '2100-03-01T12:00:00.000Z'],
      ['2100-03-01T12:00:00.000Z daily 2100-03-01, monthly 2100-03', '2100-02-28T12:00:00.000Z daily 2100-02-28, monthly 2100-02'],
    ],
  ])('daily and monthly buckets around the end of February %s', (_label, times, golden) => {
    expect(
      kept(
        applyRetention(
          times.map((t) => at(t)),
          { keepDaily: 3, keepMonthly: 2 },
          new Date('2101-01-01T00:00:00Z'),
        ),
      ),
    ).toEqual(golden);
  });

  it('keepYearly keeps the newest archive of each year, including a Feb 29 one', () => {
    const times = ['2020-02-29T10:00:00.000Z', '2021-06-01T00:00:00.000Z', '2024-02-29T10:00:00.000Z', '2024-01-01T00:00:00.000Z'];
    expect(
      kept(
        applyRetention(
          times.map((t) => at(t)),
          { keepYearly: 3 },
          new Date('2025-01-01T00:00:00Z'),
        ),
      ),
    ).toEqual(['2024-02-29T10:00:00.000Z yearly 2024', '2021-06-01T00:00:00.000Z yearly 2021', '2020-02-29T10:00:00.000Z yearly 2020']);
  });

  it('keepWithin 1y is 365 days, whatever the leap day', () => {
    const now = new Date('2024-12-31T00:00:00Z');
    const decisions = applyRetention([at('2024-01-01T00:00:01.000Z'), at('2024-01-01T00:00:00.000Z'), at('2023-12-31T23:59:59.000Z')], { keepWithin: '1y' }, now);
    expect(kept(decisions)).toEqual(['2024-01-01T00:00:01.000Z within 1y']);
  });
});

describe('ISO weeks', () => {
  it.each([
    [2026, 12, 31, '2026-W53'],
    [2027, 1, 1, '2026-W53'],
    [2027, 1, 3, '2026-W53'],
    [2027, 1, 4, '2027-W01'],
    [2020, 12, 31, '2020-W53'],
    [2021, 1, 1, '2020-W53'],
    [2024, 12, 30, '2025-W01'],
    [2025, 12, 29, '2026-W01'],
    [2026, 1, 1, '2026-W01'],
    [2026, 11, 20, '2026-W47'],
    [2024, 2, 29, '2024-W09'],
  ])('%i-%i-%i is in %s', (y, m, d, label) => {
    const w = isoWeek(y, m, d);
    expect(`${w.year}-W${String(w.week).padStart(2, '0')}`).toBe(label);
  });

  it('week 53 is one weekly bucket spanning the new year', () => {
    const times = ['2026-12-28T10:00:00.000Z', '2026-12-31T10:00:00.000Z', '2027-01-03T10:00:00.000Z', '2027-01-04T10:00:00.000Z', '2026-12-27T10:00:00.000Z'];
    expect(
      kept(
        applyRetention(
          times.map((t) => at(t)),
          { keepWeekly: 3 },
          new Date('2027-02-01T00:00:00Z'),
        ),
      ),
    ).toEqual(['2027-01-04T10:00:00.000Z weekly 2027-W01', '2027-01-03T10:00:00.000Z weekly 2026-W53', '2026-12-27T10:00:00.000Z weekly 2026-W52']);
  });

  it('a Sunday evening in New York is still in its ISO week, though Monday in UTC', () => {
    expect(bucketOf('weekly', new Date('2026-11-23T03:00:00Z'), 'America/New_York')).toBe('2026-W47');
    expect(bucketOf('weekly', new Date('2026-11-23T03:00:00Z'), 'UTC')).toBe('2026-W48');
  });
});

describe('applyRetention: equal timestamps', () => {
  const same = '2026-11-20T02:00:00.000Z';
  const archives: RetentionArchive[] = [
    { id: 'app/a/x', time: new Date(same) },
    { id: 'app/a/z', time: new Date(same) },
    { id: 'app/a/y', time: new Date(same) },
  ];

  it.each([
    [{ keepLast: 1 }, ['app/a/z last 1']],
    [{ keepLast: 2 }, ['app/a/z last 1', 'app/a/y last 2']],
    [{ keepDaily: 5 }, ['app/a/z daily 2026-11-20']],
    [{ keepHourly: 1, keepYearly: 1 }, ['app/a/z hourly 2026-11-20 02:00, yearly 2026']],
  ])('%j decides by id when times are equal, whatever the input order', (policy, golden) => {
    const now = new Date('2026-11-21T00:00:00Z');
    expect(kept(applyRetention(archives, policy, now))).toEqual(golden);
    expect(kept(applyRetention([...archives].reverse(), policy, now))).toEqual(golden);
  });
});

describe('applyRetention: keepLast, keepWithin, limits and no policy', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  // Five daily archives of 100 bytes, newest 2026-11-20.
  const five = [20, 19, 18, 17, 16].map((d) => at(`2026-11-${d}T02:00:00.000Z`, 100));

  it.each<[string, RetentionPolicy, string[]]>([
    ['no keep rule keeps all', {}, five.map((a) => `${a.id} no policy`)],
    ['keepLast 2', { keepLast: 2 }, ['2026-11-20T02:00:00.000Z last 1', '2026-11-19T02:00:00.000Z last 2']],
    ['keepWithin 36h', { keepWithin: '36h' }, ['2026-11-20T02:00:00.000Z within 36h', '2026-11-19T02:00:00.000Z within 36h']],
    ['keepDaily 0 is no rule', { keepDaily: 0, keepLast: 1 }, ['2026-11-20T02:00:00.000Z last 1']],
    [
      'maxArchives 3 over keepDaily 5',
      { keepDaily: 5, maxArchives: 3 },
      ['2026-11-20T02:00:00.000Z daily 2026-11-20', '2026-11-19T02:00:00.000Z daily 2026-11-19', '2026-11-18T02:00:00.000Z daily 2026-11-18'],
    ],
    ['maxArchives alone', { maxArchives: 2 }, ['2026-11-20T02:00:00.000Z no policy', '2026-11-19T02:00:00.000Z no policy']],
    ['maxTotalSize 250B keeps two of 100 bytes', { keepDaily: 5, maxTotalSize: '250B' }, ['2026-11-20T02:00:00.000Z daily 2026-11-20', '2026-11-19T02:00:00.000Z daily 2026-11-19']],
    ['maxTotalSize smaller than one archive still keeps the newest', { keepLast: 5, maxTotalSize: '10B' }, ['2026-11-20T02:00:00.000Z last 1']],
  ])('%s', (_label, policy, golden) => {
    expect(kept(applyRetention(five, policy, now))).toEqual(golden);
  });

  it('says which limit removed an archive', () => {
    const decisions = applyRetention(five, { keepDaily: 5, maxArchives: 4, maxTotalSize: '300B' }, now);
    expect(decisions.map((d) => `${d.action} ${d.reasons.join(', ')}`)).toEqual([
      'keep daily 2026-11-20',
      'keep daily 2026-11-19',
      'keep daily 2026-11-18',
      'remove over maxTotalSize 300B',
      'remove over maxArchives 4',
    ]);
  });

  it('an unknown time zone is a usage error', () => {
    expect(() => applyRetention(five, { keepDaily: 1 }, now, 'Mars/Olympus')).toThrow(UsageError);
  });
});

describe('parseSize', () => {
  it.each([
    ['500MB', 500e6],
    ['2GiB', 2 * 1024 ** 3],
    ['1.5 TB', 1.5e12],
    ['10b', 10],
    ['4KiB', 4096],
  ])('%s is %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['', '12', 'MB', '5 parsecs'])('"%s" is refused', (text) => expect(() => parseSize(text)).toThrow(UsageError));
});

describe('the worked example of the README (Retention and prune)', () => {
  it('keeps exactly the archives the README says it keeps', () => {
    const times = ['2026-09-30T02:00:00.000Z', '2026-10-15T02:00:00.000Z', '2026-10-31T02:00:00.000Z', '2026-11-20T11:00:00.000Z'];
    for (let d = 8; d <= 20; d++) times.push(`2026-11-${String(d).padStart(2, '0')}T02:00:00.000Z`);
    const decisions = applyRetention(
      times.map((t) => at(t)),
      { keepLast: 2, keepDaily: 4, keepWeekly: 3, keepMonthly: 3 },
      new Date('2026-11-20T12:00:00Z'),
      'UTC',
    );
    expect(kept(decisions)).toEqual([
      '2026-11-20T11:00:00.000Z last 1, daily 2026-11-20, weekly 2026-W47, monthly 2026-11',
      '2026-11-20T02:00:00.000Z last 2',
      '2026-11-19T02:00:00.000Z daily 2026-11-19',
      '2026-11-18T02:00:00.000Z daily 2026-11-18',
      '2026-11-17T02:00:00.000Z daily 2026-11-17',
      '2026-11-15T02:00:00.000Z weekly 2026-W46',
      '2026-11-08T02:00:00.000Z weekly 2026-W45',
      '2026-10-31T02:00:00.000Z monthly 2026-10',
      '2026-09-30T02:00:00.000Z monthly 2026-09',
    ]);
    expect(removed(decisions)).toHaveLength(8);
  });
});
