/** archive-expiring: which archive retention removes within the look-ahead (pure; table). */
import { describe, expect, it } from 'vitest';
import { expiringArchives } from '../../src/retention/expiring.js';
import type { PlannedGroup } from '../../src/retention/plan.js';
import type { RetentionConfig } from '../../src/config/schema.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const DAY = 86_400_000;

function group(ages: number[], reasons: (age: number) => string[] = () => ['within']): PlannedGroup {
  return {
    source: 'app',
    tenant: '42',
    storage: 'local',
    policy: 'default',
    archives: ages.map((age) => ({
      id: `app/42/${new Date(NOW.getTime() - age * DAY).toISOString().replace(/:/g, '-')}`,
      storage: 'local',
      source: 'app',
      tenant: '42',
      time: new Date(NOW.getTime() - age * DAY),
      complete: true,
      keys: [],
      action: 'keep' as const,
      reasons: reasons(age),
    })),
  };
}

const sources = new Map([['app', { tenants: new Map([['42', undefined]]) }]]);

describe('expiringArchives', () => {
  it.each([
    ['keepWithin 30d, archives 1-27 days old, 7 days ahead: the oldest (27d)', { keepWithin: '30d' }, [1, 10, 24, 27], 7, 27],
    ['keepWithin 30d, nothing older than 22 days: none', { keepWithin: '30d' }, [1, 10, 22], 7, undefined],
    ['keepLast 3 with 3 archives: none (no new archives assumed)', { keepLast: 3 }, [1, 2, 3], 7, undefined],
    ['one archive: never (the newest is kept)', { keepWithin: '1d' }, [5], 7, undefined],
    ['keepWithin 10d, 4 and 5 days old, 7 ahead: both go, the oldest (5d) is named', { keepWithin: '10d' }, [1, 4, 5], 7, 5],
  ] as [string, RetentionConfig, number[], number, number | undefined][])('%s', (_, retention, ages, days, expected) => {
    const out = expiringArchives([group(ages)], sources, retention, NOW, days * DAY);
    expect(out.map((e) => Math.round((NOW.getTime() - Date.parse(e.time)) / DAY))).toEqual(expected === undefined ? [] : [expected]);
    if (expected !== undefined) expect(out[0]).toMatchObject({ source: 'app', tenant: '42', storage: 'local', before: new Date(NOW.getTime() + days * DAY).toISOString() });
  });

  it('an archive kept by label keep=true is not announced', () => {
    const g = group([1, 27], (age) => (age === 27 ? ['label keep=true'] : ['within']));
    expect(expiringArchives([g], sources, { keepWithin: '30d' } as RetentionConfig, NOW, 7 * DAY)).toEqual([]);
  });
});
