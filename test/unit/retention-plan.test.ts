import { describe, expect, it } from 'vitest';
import type { ArchiveListing } from '../../src/archive/catalog.js';
import { parseArchiveId } from '../../src/archive/layout.js';
import type { RetentionConfig } from '../../src/config/schema.js';
import { needsSidecar, planPrune, policyFor, protectArchives, type SidecarFacts, type SourceTenants } from '../../src/retention/plan.js';

const NOW = new Date('2026-11-20T12:00:00Z');

function listing(id: string, options: { storage?: string; complete?: boolean; archive?: boolean; modified?: string } = {}): ArchiveListing {
  const ref = parseArchiveId(id)!;
  const time = new Date(ref.timestamp.replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3'));
  return {
    id,
    ref,
    storage: options.storage ?? 'local',
    time,
    ...(options.archive === false ? {} : { archiveKey: `${id}.zip`, size: 100 }),
    encrypted: false,
    complete: options.complete ?? true,
    modified: new Date(options.modified ?? time.toISOString()),
  };
}

const retention: RetentionConfig = {
  keepDaily: 2,
  timezone: 'UTC',
  orphans: { keepWithin: '90d' },
  plans: { free: { keepLast: 1 }, enterprise: { keepDaily: 30 } },
};
const sources = new Map<string, SourceTenants>([
  [
    'app',
    {
      tenants: new Map<string, string | undefined>([
        ['a', 'free'],
        ['b', 'enterprise'],
        ['c', 'gold'],
        ['d', undefined],
      ]),
    },
  ],
]);

describe('policyFor', () => {
  it.each([
    ['a', { kind: 'plan', plan: 'free', policy: { keepLast: 1 } }],
    ['b', { kind: 'plan', plan: 'enterprise', policy: { keepDaily: 30 } }],
    // a plan without a policy of its own falls back to the top-level policy
    ['c', { kind: 'default', plan: 'gold', policy: expect.objectContaining({ keepDaily: 2 }) }],
    ['d', { kind: 'default', policy: expect.objectContaining({ keepDaily: 2 }) }],
    ['gone', { kind: 'orphans', policy: { keepWithin: '90d' } }],
  ])('tenant %s', (tenant, expected) => {
    expect(policyFor('app', tenant, { sources, retention })).toEqual(expected);
  });

  it('without any retention config, everything is kept by the default policy', () => {
    const groups = planPrune({ listings: [listing('app/d/2020-01-01T00-00-00.000Z'), listing('app/d/2021-01-01T00-00-00.000Z')], sources, retention: undefined, now: NOW });
    expect(groups[0]!.archives.map((a) => `${a.action} ${a.reasons.join()}`)).toEqual(['keep no policy', 'keep no policy']);
  });
});

describe('policyFor: a plan without a keep* rule takes the top-level keep rules', () => {
  const limits = { mode: 'enforce' as const, maxArchivesPerMonth: 2 };
  const base: RetentionConfig = {
    keepDaily: 2,
    maxTotalSize: '1GB',
    timezone: 'UTC',
    orphans: { keepWithin: '90d' },
    plans: { limited: { limits }, capped: { maxArchives: 3 }, own: { keepLast: 1, limits }, empty: {} },
  };
  const tenants = new Map<string, SourceTenants>([
    [
      'app',
      {
        tenants: new Map([
          ['l', 'limited'],
          ['c', 'capped'],
          ['o', 'own'],
          ['e', 'empty'],
        ]),
      },
    ],
  ]);
  it.each([
    ['only limits: the top-level rules and caps', 'l', { keepDaily: 2, maxTotalSize: '1GB' }],
    ["only a cap: the top-level rules, the plan's cap over the top-level one", 'c', { keepDaily: 2, maxArchives: 3, maxTotalSize: '1GB' }],
    ['its own keep rule: its policy alone (no top-level cap), limits left out', 'o', { keepLast: 1 }],
    ['an empty plan: the top-level policy', 'e', { keepDaily: 2, maxTotalSize: '1GB' }],
  ])('%s', (_name, tenant, policy) => {
    expect(policyFor('app', tenant, { sources: tenants, retention: base })).toEqual({ kind: 'plan', plan: expect.any(String), policy });
  });

  it('without any top-level keep rule either, everything is kept (no policy)', () => {
    const bare: RetentionConfig = { timezone: 'UTC', orphans: { keepWithin: '90d' }, plans: { limited: { limits } } };
    const days = ['2026-11-17', '2026-11-18', '2026-11-19'].map((d) => listing(`app/l/${d}T00-00-00.000Z`));
    const groups = planPrune({ listings: days, sources: tenants, retention: bare, now: NOW });
    expect(groups[0]!.archives.map((a) => a.action)).toEqual(['keep', 'keep', 'keep']);
  });

  it('prune removes what the top-level rules do not keep for a tenant of a limits-only plan', () => {
    const days = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19'].map((d) => listing(`app/l/${d}T00-00-00.000Z`));
    const groups = planPrune({ listings: days, sources: tenants, retention: base, now: NOW });
    expect(groups[0]!.archives.map((a) => `${a.action} ${a.reasons.join()}`)).toEqual(['keep daily 2026-11-19', 'keep daily 2026-11-18', 'remove not kept by any rule', 'remove not kept by any rule']);
  });
});

describe('planPrune', () => {
  const listings = [
    listing('app/a/2026-11-20T02-00-00.000Z'),
    listing('app/a/2026-11-19T02-00-00.000Z'),
    listing('app/a/2026-11-19T02-00-00.000Z', { storage: 'offsite' }),
    listing('app/a/2026-11-18T02-00-00.000Z', { storage: 'offsite' }),
    listing('app/a/2026-11-20T11-30-00.000Z', { complete: false, modified: '2026-11-20T11:30:00Z' }),
    listing('app/a/2026-11-17T11-30-00.000Z', { complete: false, modified: '2026-11-17T11:30:00Z' }),
    listing('app/a/2026-11-16T00-00-00.000Z', { archive: false }),
    listing('other/x/2026-11-01T00-00-00.000Z'),
  ];
  const groups = planPrune({ listings, sources, retention, now: NOW });
  const summary = groups.map((g) => `${g.source}/${g.tenant}@${g.storage} ${g.policy}: ${g.archives.map((a) => `${a.action}(${a.reasons.join(',')})`).join(' ')}`);

  it('groups per (source, tenant, storage), decides each group alone, and skips sources it knows nothing about', () => {
    expect(summary).toEqual([
      'app/a@local plan: keep(incomplete (no sidecar), younger than 1h: may still be uploading) keep(last 1) remove(not kept by any rule) remove(incomplete (no sidecar) since 2026-11-17T11:30:00.000Z) remove(sidecar without its archive since 2026-11-16T00:00:00.000Z)',
      'app/a@offsite plan: keep(last 1) remove(not kept by any rule)',
    ]);
  });

  it('deletes sidecars before archive objects', () => {
    const removed = groups.flatMap((g) => g.archives.filter((a) => a.action === 'remove'));
    expect(removed.map((a) => a.keys)).toEqual([
      ['app/a/2026-11-19T02-00-00.000Z.manifest.json', 'app/a/2026-11-19T02-00-00.000Z.zip'],
      ['app/a/2026-11-17T11-30-00.000Z.zip'],
      ['app/a/2026-11-16T00-00-00.000Z.manifest.json'],
      ['app/a/2026-11-18T02-00-00.000Z.manifest.json', 'app/a/2026-11-18T02-00-00.000Z.zip'],
    ]);
  });

  it('asks for the sidecars of complete removal candidates only', () => {
    expect(needsSidecar(groups).map((a) => `${a.storage} ${a.id}`)).toEqual(['local app/a/2026-11-19T02-00-00.000Z', 'offsite app/a/2026-11-18T02-00-00.000Z']);
  });
});

describe('protectArchives', () => {
  const base = [
    listing('app/d/2026-11-20T10-00-00.000Z'),
    listing('app/d/2026-11-20T02-00-00.000Z'),
    listing('app/d/2026-11-19T20-00-00.000Z'),
    listing('app/d/2026-11-19T11-00-00.000Z'),
    listing('app/d/2026-11-18T09-00-00.000Z'),
    listing('app/d/2026-11-17T09-00-00.000Z'),
    listing('app/d/2026-11-16T09-00-00.000Z'),
  ];
  const facts: [string, SidecarFacts][] = [
    ['2026-11-20T02-00-00.000Z', { trigger: 'pre-restore', labels: {} }],
    ['2026-11-19T11-00-00.000Z', { trigger: 'pre-restore', labels: {} }],
    ['2026-11-18T09-00-00.000Z', { trigger: 'manual', labels: { keep: 'true' } }],
    ['2026-11-17T09-00-00.000Z', { trigger: 'manual', labels: { keep: 'yes' } }],
    ['2026-11-16T09-00-00.000Z', { unreadable: 'not valid JSON' }],
  ];

  it.each([
    ['2026-11-20T10-00-00.000Z', 'keep daily 2026-11-20'],
    ['2026-11-20T02-00-00.000Z', 'keep pre-restore, younger than 24h'],
    ['2026-11-19T20-00-00.000Z', 'keep daily 2026-11-19'],
    // 25 hours old: no longer protected
    ['2026-11-19T11-00-00.000Z', 'remove not kept by any rule'],
    ['2026-11-18T09-00-00.000Z', 'keep label keep=true'],
    ['2026-11-17T09-00-00.000Z', 'remove not kept by any rule'],
    ['2026-11-16T09-00-00.000Z', 'keep sidecar unreadable (not valid JSON)'],
  ])('%s: %s', (timestamp, expected) => {
    const groups = planPrune({ listings: base, sources, retention, now: NOW });
    protectArchives(groups, new Map(facts.map(([t, f]) => [`local\0app/d/${t}`, f])), NOW);
    const archive = groups[0]!.archives.find((a) => a.id === `app/d/${timestamp}`)!;
    expect(`${archive.action} ${archive.reasons.join(', ')}`).toBe(expected);
  });
});
