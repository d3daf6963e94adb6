/**
 * prune over a synthetic timeline of real archives (files source, create with an injected clock),
 * with plan policies from a real PostgreSQL plans query, orphans, protections and incomplete
 * archives; runPrune runs in-process with the same clock so every decision is a golden value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listArchives } from '../../src/archive/catalog.js';
import { runPrune, type PruneResult } from '../../src/commands/prune.js';
import type { Storage } from '../../src/storage/types.js';
import { createDb, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { createMysqlDb, dropMysqlDb, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { filesUnder, makeArchive, makeLab, type Lab } from '../helpers/timeline.js';

const NOW = '2026-11-20T12:00:00.000Z';
const ago = (ms: number) => new Date(Date.parse(NOW) - ms);
const daily = (tenant: string, days: number[]) => days.map((d) => ({ tenant, at: `2026-11-${String(d).padStart(2, '0')}T02:00:00.000Z` }));
const id = (tenant: string, iso: string) => `media/${tenant}/${iso.replace(/:/g, '-')}`;

/** `<id>` -> `<status> <policy>: <reasons>`: the golden form of a prune result. */
function golden(result: PruneResult): Record<string, string> {
  return Object.fromEntries(result.archives.map((a) => [a.id, `${a.status} ${a.policy}: ${a.reasons.join(', ')}`]));
}

describe('prune plan: plans, orphans, protections, incomplete archives (local storage)', () => {
  let lab: Lab;
  let db: string;
  let storage: Storage;

  beforeAll(async () => {
    db = await createDb('ob_prune');
    await pgQuery(db, `CREATE TABLE orgs (id text PRIMARY KEY, plan text); INSERT INTO orgs VALUES ('acme', 'free'), ('globex', 'enterprise'), ('initech', 'legacy')`);
    lab = await makeLab(['acme', 'globex', 'initech', 'hooli', 'umbrella'], {
      sources: {
        media: { type: 'files', path: './data', tenants: { mode: 'directory' } },
        app: { type: 'postgres', url: pgUrl(db) },
      },
      retention: {
        keepDaily: 3,
        orphans: { keepWithin: '30d' },
        plans: { query: 'SELECT id, plan FROM orgs', source: 'app', free: { keepDaily: 2 }, enterprise: { keepDaily: 5, maxArchives: 4 } },
      },
    });
    storage = await lab.storage();
    const specs = [
      ...daily('acme', [14, 15, 16, 17, 18, 19, 20]),
      { tenant: 'acme', at: '2026-11-20T03:00:00.000Z', trigger: 'pre-restore' },
      { tenant: 'acme', at: '2026-11-20T10:00:00.000Z' },
      { tenant: 'acme', at: '2026-11-18T03:00:00.000Z', trigger: 'pre-restore' },
      { tenant: 'acme', at: '2026-11-01T02:00:00.000Z', labels: ['keep=true'] },
      ...daily('globex', [13, 14, 15, 16, 17, 18, 19, 20]),
      ...daily('initech', [16, 17, 18, 19, 20]),
      ...['2026-08-01', '2026-09-15', '2026-10-25', '2026-11-10'].map((d) => ({ tenant: 'hooli', at: `${d}T02:00:00.000Z` })),
      ...['2026-06-01', '2026-07-01'].map((d) => ({ tenant: 'umbrella', at: `${d}T02:00:00.000Z` })),
    ];
    for (const spec of specs) await makeArchive(lab, spec);
    // hooli and umbrella left: their archives are orphans now.
    await rm(path.join(lab.dir, 'data/hooli'), { recursive: true });
    await rm(path.join(lab.dir, 'data/umbrella'), { recursive: true });
    // Two uploads that never got their sidecar: one two hours old, one ten minutes old.
    await storage.put('media/acme/2026-11-19T05-00-00.000Z.zip', Buffer.from('half'));
    await utimes(path.join(lab.dir, 'backups/media/acme/2026-11-19T05-00-00.000Z.zip'), ago(2 * 3600e3), ago(2 * 3600e3));
    await storage.put('media/globex/2026-11-20T11-50-00.000Z.zip', Buffer.from('uploading'));
    await utimes(path.join(lab.dir, 'backups/media/globex/2026-11-20T11-50-00.000Z.zip'), ago(600e3), ago(600e3));
    // A temp file left by a killed upload, three hours old.
    const temp = path.join(lab.dir, 'backups/media/acme/.2026-11-19T06-00-00.000Z.zip.tmp-1-dead');
    await writeFile(temp, 'partial');
    await utimes(temp, ago(3 * 3600e3), ago(3 * 3600e3));
  });

  afterAll(async () => {
    await lab?.cleanup();
    if (db) await dropDb(db);
  });

  const expected: Record<string, string> = {
    // acme: plan free (keepDaily 2)
    [id('acme', '2026-11-20T10:00:00.000Z')]: 'kept plan free: daily 2026-11-20',
    [id('acme', '2026-11-20T03:00:00.000Z')]: 'kept plan free: pre-restore, younger than 24h',
    [id('acme', '2026-11-20T02:00:00.000Z')]: 'REMOVE plan free: not kept by any rule',
    [id('acme', '2026-11-19T05:00:00.000Z')]: 'REMOVE plan free: incomplete (no sidecar) since 2026-11-20T10:00:00.000Z',
    [id('acme', '2026-11-19T02:00:00.000Z')]: 'kept plan free: daily 2026-11-19',
    [id('acme', '2026-11-18T03:00:00.000Z')]: 'REMOVE plan free: not kept by any rule',
    ...Object.fromEntries([18, 17, 16, 15, 14].map((d) => [id('acme', `2026-11-${d}T02:00:00.000Z`), 'REMOVE plan free: not kept by any rule'])),
    [id('acme', '2026-11-01T02:00:00.000Z')]: 'kept plan free: label keep=true',
    // globex: plan enterprise (keepDaily 5, maxArchives 4)
    [id('globex', '2026-11-20T11:50:00.000Z')]: 'kept plan enterprise: incomplete (no sidecar), younger than 1h: may still be uploading',
    ...Object.fromEntries([20, 19, 18, 17].map((d) => [id('globex', `2026-11-${d}T02:00:00.000Z`), `kept plan enterprise: daily 2026-11-${d}`])),
    [id('globex', '2026-11-16T02:00:00.000Z')]: 'REMOVE plan enterprise: over maxArchives 4',
    ...Object.fromEntries([15, 14, 13].map((d) => [id('globex', `2026-11-${d}T02:00:00.000Z`), 'REMOVE plan enterprise: not kept by any rule'])),
    // initech: plan "legacy" has no policy -> the top-level policy (keepDaily 3)
    ...Object.fromEntries([20, 19, 18].map((d) => [id('initech', `2026-11-${d}T02:00:00.000Z`), `kept default: daily 2026-11-${d}`])),
    ...Object.fromEntries([17, 16].map((d) => [id('initech', `2026-11-${d}T02:00:00.000Z`), 'REMOVE default: not kept by any rule'])),
    // hooli, umbrella: orphans (keepWithin 30d), the newest always kept
    [id('hooli', '2026-11-10T02:00:00.000Z')]: 'kept orphans: within 30d',
    [id('hooli', '2026-10-25T02:00:00.000Z')]: 'kept orphans: within 30d',
    [id('hooli', '2026-09-15T02:00:00.000Z')]: 'REMOVE orphans: not kept by any rule',
    [id('hooli', '2026-08-01T02:00:00.000Z')]: 'REMOVE orphans: not kept by any rule',
    [id('umbrella', '2026-07-01T02:00:00.000Z')]: 'kept orphans: newest',
    [id('umbrella', '2026-06-01T02:00:00.000Z')]: 'REMOVE orphans: not kept by any rule',
  };
  const as = (status: string) => Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.replace('REMOVE', status)]));

  it('--dry-run prints the golden plan and changes nothing', async () => {
    const before = await filesUnder(path.join(lab.dir, 'backups'));
    const result = await runPrune({ dryRun: true, source: ['media'] }, lab.ctx(NOW));
    expect(golden(result)).toEqual(as('would-remove'));
    expect(result.exitCode).toBe(0);
    expect(result.orphans.map((o) => `${o.tenant} ${o.archives}`)).toEqual(['hooli 4', 'umbrella 2']);
    expect(result.summary).toMatchObject({ kept: 15, removed: 17, failed: 0 });
    expect(await filesUnder(path.join(lab.dir, 'backups'))).toEqual(before);
  });

  it('prune removes exactly the planned archives, sidecars and leftovers, and keeps the rest', async () => {
    const result = await runPrune({ source: ['media'] }, lab.ctx(NOW));
    expect(golden(result)).toEqual(as('removed'));
    expect(result.leftovers).toEqual({ local: 1 });
    const remaining = await listArchives(storage, { source: 'media' });
    const keptIds = Object.entries(expected)
      .filter(([, v]) => v.startsWith('kept'))
      .map(([k]) => k);
    expect(remaining.map((a) => a.id).sort()).toEqual(keptIds.sort());
    const files = await filesUnder(path.join(lab.dir, 'backups'));
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    // Every remaining archive still has both its objects (except the upload still in progress).
    expect(remaining.filter((a) => !(a.complete && a.archiveKey)).map((a) => a.id)).toEqual([id('globex', '2026-11-20T11:50:00.000Z')]);
  });

  it('a second prune finds nothing more to remove', async () => {
    const result = await runPrune({ source: ['media'] }, lab.ctx(NOW));
    expect(result.summary.removed).toBe(0);
    expect(result.exitCode).toBe(0);
  });
});

describe('prune plan: retention.plans.query on a MariaDB source', () => {
  it('gives each tenant the plan MariaDB returns', async () => {
    const db = await createMysqlDb('ob_prune');
    const lab = await makeLab(['acme', 'globex'], {
      sources: {
        media: { type: 'files', path: './data', tenants: { mode: 'directory' } },
        shop: { type: 'mysql', url: mysqlUrl(db) },
      },
      retention: { keepDaily: 3, plans: { query: 'SELECT org AS id, tier AS plan FROM orgs', free: { keepLast: 1 } } },
    });
    try {
      await mysqlQuery(db, `CREATE TABLE orgs (org varchar(20) PRIMARY KEY, tier varchar(20))`);
      await mysqlQuery(db, `INSERT INTO orgs VALUES ('acme', 'free'), ('globex', NULL)`);
      for (const tenant of ['acme', 'globex']) for (const at of ['2026-11-19T02:00:00.000Z', '2026-11-20T02:00:00.000Z']) await makeArchive(lab, { tenant, at });
      const result = await runPrune({ dryRun: true, source: ['media'] }, lab.ctx(NOW));
      expect(result.archives.map((a) => `${a.tenant} ${a.policy} ${a.status} ${a.reasons.join(',')}`)).toEqual([
        'acme plan free kept last 1',
        'acme plan free would-remove not kept by any rule',
        'globex default kept daily 2026-11-20',
        'globex default kept daily 2026-11-19',
      ]);
    } finally {
      await lab.cleanup();
      await dropMysqlDb(db);
    }
  });
});
