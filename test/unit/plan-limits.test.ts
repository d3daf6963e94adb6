/** Plan limits as pure functions of a listing (src/retention/limits.ts): usage, limits reached, size after the dump, the 80% warning. */
import { describe, expect, it } from 'vitest';
import type { ArchiveListing } from '../../src/archive/catalog.js';
import { quotaWarnings, type TenantUsageRow } from '../../src/commands/list-usage.js';
import type { Config, PlanLimits } from '../../src/config/schema.js';
import { limitsNearlyUsed, limitsReached, measureLimits, sizeOverLimit, usageByTenant, usageOf, withStored, type TenantUsage } from '../../src/retention/limits.js';

const NOW = new Date('2026-12-07T09:00:00.000Z');

function listing(tenant: string, iso: string, size: number, extra: Partial<ArchiveListing> = {}): ArchiveListing {
  const time = new Date(iso);
  return {
    id: `app/${tenant}/${iso}`,
    ref: { source: 'app', tenant, timestamp: iso },
    storage: 'disk',
    time,
    archiveKey: `k/${iso}.zip`,
    size,
    encrypted: false,
    complete: true,
    modified: time,
    ...extra,
  };
}

const usage = (over: Partial<TenantUsage>): TenantUsage => ({ month: '2026-12', archives: 0, archivesThisMonth: 0, bytes: 0, ...over });
const limits = (over: Partial<PlanLimits>): PlanLimits => ({ mode: 'enforce', ...over });

describe('usageOf', () => {
  it.each([
    ['no archive', [], { month: '2026-12', archives: 0, archivesThisMonth: 0, bytes: 0 }],
    [
      'this month counted in UTC: 2026-11-30T23:30Z is November',
      [listing('a', '2026-11-30T23:30:00.000Z', 100), listing('a', '2026-12-01T00:00:00.000Z', 200), listing('a', '2026-12-06T02:00:00.000Z', 300)],
      { month: '2026-12', archives: 3, archivesThisMonth: 2, bytes: 600, newestSize: 300 },
    ],
    [
      'incomplete archives and sidecars without an object do not count',
      [
        listing('a', '2026-12-02T02:00:00.000Z', 50),
        listing('a', '2026-12-03T02:00:00.000Z', 999, { complete: false }),
        listing('a', '2026-12-04T02:00:00.000Z', 0, { archiveKey: undefined, size: undefined }),
      ],
      { month: '2026-12', archives: 1, archivesThisMonth: 1, bytes: 50, newestSize: 50 },
    ],
    ['last year the same month is another month', [listing('a', '2025-12-10T02:00:00.000Z', 10)], { month: '2026-12', archives: 1, archivesThisMonth: 0, bytes: 10, newestSize: 10 }],
  ])('%s', (_name, listings, expected) => {
    expect(usageOf(listings, NOW)).toEqual(expected);
  });

  it('usageByTenant groups by source, tenant and storage', () => {
    const map = usageByTenant([listing('a', '2026-12-01T00:00:00.000Z', 1), listing('b', '2026-12-01T00:00:00.000Z', 2), listing('a', '2026-12-02T00:00:00.000Z', 3, { storage: 's3' })], NOW);
    expect([...map].map(([k, u]) => [k.split('\0').join('/'), u.bytes])).toEqual([
      ['app/a/disk', 1],
      ['app/b/disk', 2],
      ['app/a/s3', 3],
    ]);
  });
});

describe('limitsReached (before the dump)', () => {
  it.each<[string, Partial<TenantUsage>, Partial<PlanLimits>, string | undefined, string[]]>([
    ['no limits', { archivesThisMonth: 50, bytes: 1e12 }, {}, undefined, []],
    ['below the monthly count', { archivesThisMonth: 1 }, { maxArchivesPerMonth: 2 }, undefined, []],
    [
      'at the monthly count',
      { archivesThisMonth: 2 },
      { maxArchivesPerMonth: 2 },
      undefined,
      ['maxArchivesPerMonth: plan free allows 2 archive(s) a month (maxArchivesPerMonth) and the tenant has 2 in 2026-12 (UTC)'],
    ],
    [
      '0 a month allows none',
      { archivesThisMonth: 0 },
      { maxArchivesPerMonth: 0 },
      undefined,
      ['maxArchivesPerMonth: plan free allows 0 archive(s) a month (maxArchivesPerMonth) and the tenant has 0 in 2026-12 (UTC)'],
    ],
    ['storage just below', { bytes: 499_999_999 }, { maxTenantStorage: '500MB' }, undefined, []],
    [
      'storage reached',
      { bytes: 500_000_000 },
      { maxTenantStorage: '500MB' },
      undefined,
      ['maxTenantStorage: plan free allows 500MB of archives (maxTenantStorage) and the tenant holds 476.8 MiB (500000000 bytes)'],
    ],
    ['a schedule the plan may use', {}, { schedules: ['daily'] }, 'daily', []],
    ['a schedule the plan may not use', {}, { schedules: ['daily'] }, 'hourly', ['schedules: plan free may not use schedule "hourly" (limits.schedules allows "daily")']],
    ['no schedule at all', {}, { schedules: [] }, 'daily', ['schedules: plan free may not use schedule "daily" (limits.schedules allows none)']],
    ['a manual create is no schedule', {}, { schedules: [] }, undefined, []],
    ['the newest archive over maxArchiveSize does not stop the next dump', { newestSize: 10_000 }, { maxArchiveSize: '1KB' }, undefined, []],
  ])('%s', (_name, used, plan, schedule, expected) => {
    expect(limitsReached(usage(used), limits(plan), 'free', schedule).map((b) => `${b.limit}: ${b.reason}`)).toEqual(expected);
  });
});

describe('sizeOverLimit (after the dump)', () => {
  it.each<[number, string | undefined, string | undefined]>([
    [1000, '1KB', undefined],
    [1001, '1KB', 'plan free allows archives of up to 1KB (maxArchiveSize) and this one is 1001 B (1001 bytes)'],
    [2048, '1KiB', 'plan free allows archives of up to 1KiB (maxArchiveSize) and this one is 2.0 KiB (2048 bytes)'],
    [1e12, undefined, undefined],
  ])('%d bytes against %s', (size, max, expected) => {
    expect(sizeOverLimit(size, limits(max ? { maxArchiveSize: max } : {}), 'free')?.reason).toBe(expected);
  });
});

describe('measureLimits and limitsNearlyUsed (quota warning above 80%)', () => {
  const plan = limits({ maxArchivesPerMonth: 10, maxTenantStorage: '1000B', maxArchiveSize: '500B' });
  it.each<[string, Partial<TenantUsage>, string[], string[]]>([
    ['nothing used', {}, ['maxArchivesPerMonth 0/10 0%', 'maxTenantStorage 0/1000 0%'], []],
    ['exactly 80% is not above', { archivesThisMonth: 8, bytes: 800 }, ['maxArchivesPerMonth 8/10 80%', 'maxTenantStorage 800/1000 80%'], []],
    [
      'above 80%, and over',
      { archivesThisMonth: 9, bytes: 1200, newestSize: 450 },
      ['maxArchivesPerMonth 9/10 90%', 'maxTenantStorage 1200/1000 120%', 'maxArchiveSize 450/500 90%'],
      ['maxArchivesPerMonth', 'maxTenantStorage', 'maxArchiveSize'],
    ],
    ['a third decimal is rounded', { bytes: 333 }, ['maxArchivesPerMonth 0/10 0%', 'maxTenantStorage 333/1000 33.3%'], []],
  ])('%s', (_name, used, measured, near) => {
    expect(measureLimits(usage(used), plan).map((m) => `${m.limit} ${m.used}/${m.max} ${m.percent}%`)).toEqual(measured);
    expect(limitsNearlyUsed(usage(used), plan).map((m) => m.limit)).toEqual(near);
  });

  it('a limit of 0 is all used', () => {
    expect(measureLimits(usage({}), limits({ maxArchivesPerMonth: 0 }))).toEqual([{ limit: 'maxArchivesPerMonth', used: 0, max: 0, percent: 100 }]);
  });
});

describe('withStored (usage after the run, for the quota warning)', () => {
  it.each<[string, Partial<TenantUsage>, number, string, Partial<TenantUsage>]>([
    ['first archive of the month', {}, 100, '2026-12-07T09:00:00.000Z', { archives: 1, archivesThisMonth: 1, bytes: 100, newestSize: 100 }],
    [
      'adds to what the listing held',
      { archives: 3, archivesThisMonth: 2, bytes: 900, newestSize: 300 },
      50,
      '2026-12-07T09:00:00.000Z',
      { archives: 4, archivesThisMonth: 3, bytes: 950, newestSize: 50 },
    ],
    [
      "an archive dated in another month is not this month's",
      { archives: 1, archivesThisMonth: 1, bytes: 10 },
      10,
      '2027-01-01T00:00:00.000Z',
      { archives: 2, archivesThisMonth: 1, bytes: 20, newestSize: 10 },
    ],
  ])('%s', (_name, before, size, iso, expected) => {
    expect(withStored(usage(before), size, new Date(iso))).toEqual(usage(expected));
  });
});

describe('quotaWarnings (for the quota-warning notification)', () => {
  const config = { retention: { timezone: 'UTC', orphans: {}, plans: { free: { limits: { mode: 'enforce' as const, maxArchivesPerMonth: 10 } }, pro: {} } } } as unknown as Config;
  const row = (tenant: string, plan: string | undefined, archivesThisMonth: number): TenantUsageRow => ({
    source: 'app',
    tenant,
    storage: 'disk',
    ...(plan ? { plan } : {}),
    archives: archivesThisMonth,
    archivesThisMonth,
    month: '2026-12',
    bytes: 0,
    limits: [],
  });
  it.each<[string, TenantUsageRow, string[]]>([
    ['above 80% of a limit', row('a', 'free', 9), ['maxArchivesPerMonth']],
    ['at 80%', row('b', 'free', 8), []],
    ['a plan without limits', row('c', 'pro', 99), []],
    ['no plan', row('d', undefined, 99), []],
  ])('%s', (_name, r, expected) => {
    expect(quotaWarnings([r], { config }).flatMap((w) => w.nearlyUsed.map((m) => m.limit))).toEqual(expected);
  });
});
