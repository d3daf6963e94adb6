/**
 * Plan limits through the built binary: a PostgreSQL rows source whose plans come from
 * retention.plans.query, written to local storage and S3 (s3rver) at once. Limits stop exactly the
 * tenants over them (monthly count before the dump, archive size after it, schedules in
 * schedule-run), warn mode stores with a warning, --ignore-limits stores and is in the audit
 * record, and list --usage shows the figures of the listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> };
let s3: S3rverHandle;
let db: string;
let config: string;

const ORGS = [
  ['acme', 'free'],
  ['globex', 'basic'],
  ['initech', 'pro'],
  ['hooli', 'trial'],
];

beforeAll(async () => {
  [tmp, s3, db] = await Promise.all([tempDir('orgbackup-e2e-limits-'), startS3rver(), createDb('ob_limits')]);
  await pgQuery(
    db,
    `CREATE TABLE orgs (id text PRIMARY KEY, plan text NOT NULL);
     CREATE TABLE notes (note_id serial PRIMARY KEY, org_id text NOT NULL REFERENCES orgs, body text NOT NULL);
     INSERT INTO orgs VALUES ${ORGS.map(([id, plan]) => `('${id}', '${plan}')`).join(', ')};
     INSERT INTO notes (org_id, body) SELECT o.id, md5(o.id || g) FROM orgs o, generate_series(1, 200) g;`,
  );
  config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id FROM orgs ORDER BY id' } } },
    storage: { disk: { type: 'local', path: path.join(tmp.dir, 'disk') }, offsite: s3StorageConfig(s3, { prefix: 'limits' }) },
    defaults: { storage: ['disk', 'offsite'], compression: 'gzip' },
    schedules: { nightly: { cron: '0 2 * * *' }, hourly: { cron: '0 * * * *' } },
    retention: {
      keepLast: 10,
      plans: {
        query: 'SELECT id, plan FROM orgs',
        free: { limits: { maxArchivesPerMonth: 1 } },
        basic: { limits: { maxArchiveSize: '1KB' } },
        pro: { limits: { maxArchivesPerMonth: 100, maxTenantStorage: '1GB', schedules: ['nightly'] } },
        trial: { limits: { maxArchivesPerMonth: 0, mode: 'warn' } },
      },
    },
    audit: { enabled: true },
  });
});

afterAll(async () => {
  await Promise.all([tmp?.cleanup(), s3?.stop(), db ? dropDb(db) : undefined]);
});

const cli = (args: string[]) => runCli(['-c', config, '--no-progress', ...args]);
const byTenant = (archives: any[]) => Object.fromEntries(archives.map((a) => [a.tenant, a]));
const storedIds = async () => ((await cli(['--json', 'list'])).json.archives as any[]).map((a) => `${a.storage} ${a.tenant}`).sort();

async function lastAuditRecords(): Promise<any[]> {
  const root = path.join(tmp.dir, 'disk', '_audit');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ndjson')).sort();
  const text = await readFile(path.join(root, files.at(-1)!), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'action');
}

describe('plan limits (PostgreSQL rows, local + S3)', () => {
  it('the first create stores every tenant except the one whose archive is over maxArchiveSize; trial is stored with a warning', async () => {
    const run = await cli(['--json', 'create']);
    expect(run.exitCode, run.stderr).toBe(3);
    const a = byTenant(run.json.archives);
    expect([a.acme.status, a.globex.status, a.initech.status, a.hooli.status]).toEqual(['ok', 'limited', 'ok', 'ok']);
    expect(a.globex.limits).toEqual(['maxArchiveSize']);
    expect(a.globex.reason).toMatch(/^plan basic allows archives of up to 1KB \(maxArchiveSize\) and this one is .* \(\d+ bytes\)$/);
    expect(a.hooli.warnings).toEqual(['plan trial allows 0 archive(s) a month (maxArchivesPerMonth) and the tenant has 0 in ' + new Date().toISOString().slice(0, 7) + ' (UTC) in storage "disk"']);
    expect(a.acme.warnings).toBeUndefined();
    expect(run.stderr).toContain('app/globex not backed up: plan basic allows archives of up to 1KB');
    // The refused archive left nothing in either storage.
    expect(await storedIds()).toEqual(['disk acme', 'disk hooli', 'disk initech', 'offsite acme', 'offsite hooli', 'offsite initech']);
  });

  it('the second create stops free (its month is used up) before the dump, and the text output says why', async () => {
    const run = await cli(['create']);
    expect(run.exitCode, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/limited\s+app\/"acme"\s+.*plan free allows 1 archive\(s\) a month \(maxArchivesPerMonth\) and the tenant has 1 in \d{4}-\d\d \(UTC\) in storage "disk"/);
    expect(run.stdout).toMatch(/ok\s+app\/initech\//);
    expect((await storedIds()).filter((s) => s.endsWith('acme'))).toEqual(['disk acme', 'offsite acme']);
    const records = byTenant(await lastAuditRecords());
    expect(records.acme.outcome).toBe('limited');
    expect(records.acme.limits[0]).toContain('maxArchivesPerMonth');
    expect(records.initech.outcome).toBe('ok');
  });

  it('--ignore-limits stores acme anyway and the audit record says so', async () => {
    const run = await cli(['--json', 'create', '--tenant', 'acme', '--ignore-limits']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json.ignoreLimits).toBe(true);
    expect(run.json.archives[0].status).toBe('ok');
    expect(run.json.archives[0].limitsIgnored[0]).toContain('maxArchivesPerMonth');
    const [record] = await lastAuditRecords();
    expect(record).toMatchObject({ action: 'create', tenant: 'acme', outcome: 'ok', ignoreLimits: true });
    expect(record.limits[0]).toContain('plan free allows 1 archive(s) a month');
    expect((await cli(['audit', 'verify'])).exitCode).toBe(0);
  });

  it('a create where every tenant is limited exits 3', async () => {
    const run = await cli(['--json', 'create', '--tenant', 'acme']);
    expect(run.exitCode, run.stderr).toBe(3);
    expect(run.json.archives.map((a: any) => a.status)).toEqual(['limited']);
  });

  it('schedule-run skips the tenants whose plan may not use the schedule', async () => {
    const run = await cli(['--json', 'schedule-run', '--schedule', 'hourly', '--now']);
    expect(run.exitCode, run.stderr).toBe(3);
    const a = byTenant(run.json.schedules[0].archives);
    expect(a.initech).toMatchObject({ status: 'limited', limits: ['schedules'], reason: 'plan pro may not use schedule "hourly" (limits.schedules allows "nightly")' });
    expect(a.acme.status).toBe('limited');
    expect(a.hooli.status).toBe('ok');
    expect(run.json.schedules[0].counts).toMatchObject({ ok: 1, limited: 3 });
  });

  it('list --usage --json gives each tenant its archives, bytes, plan and limits; the text table too', async () => {
    const listed = (await cli(['--json', 'list'])).json.archives as any[];
    const run = await cli(['--json', 'list', '--usage', '--storage', 'offsite']);
    expect(run.exitCode, run.stderr).toBe(0);
    const u = byTenant(run.json.usage);
    const bytes = (tenant: string) => listed.filter((l) => l.tenant === tenant && l.storage === 'offsite').reduce((n, l) => n + l.size, 0);
    expect(Object.keys(u).sort()).toEqual(['acme', 'globex', 'hooli', 'initech']);
    expect(u.acme).toMatchObject({ storage: 'offsite', plan: 'free', archives: 2, archivesThisMonth: 2, bytes: bytes('acme'), mode: 'enforce' });
    expect(u.acme.limits).toEqual([{ limit: 'maxArchivesPerMonth', used: 2, max: 1, percent: 200 }]);
    expect(u.globex).toMatchObject({ plan: 'basic', archives: 0, bytes: 0, limits: [] });
    expect(u.initech.archives).toBe(2);
    expect(u.initech.limits).toEqual([
      { limit: 'maxArchivesPerMonth', used: 2, max: 100, percent: 2 },
      { limit: 'maxTenantStorage', used: bytes('initech'), max: 1e9, percent: Math.round((bytes('initech') / 1e9) * 1000) / 10 },
    ]);
    expect(u.hooli).toMatchObject({ plan: 'trial', mode: 'warn', archives: 3 });
    const text = await cli(['list', '--usage', '--storage', 'offsite']);
    expect(text.stdout).toMatch(/TENANT\s+STORAGE\s+PLAN\s+ARCHIVES\s+THIS MONTH \(UTC\)\s+STORED\s+LIMIT\s+USED\s+%/);
    expect(text.stdout).toMatch(/app\/acme\s+offsite\s+free\s+2\s+2 \(\d{4}-\d\d\)\s+\S+ \S+\s+archives\/month\s+2 of 1\s+200%/);
    expect(text.stdout).toMatch(/app\/hooli\s+offsite\s+trial\s+3\s+.*archives\/month \(warn\)\s+3 of 0\s+100%/);
  });

  it('rejects a limit that is not valid at load, naming the key (exit 2)', async () => {
    const bad = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { a: { type: 'files', path: tmp.dir } },
        storage: { d: { type: 'local', path: tmp.dir } },
        retention: { plans: { free: { limits: { maxTenantStorage: '5 apples', schedules: ['weekly'], mode: 'block' } } } },
      },
      'bad.json',
    );
    const run = await runCli(['-c', bad, 'list']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('retention.plans.free.limits.maxTenantStorage');
    expect(run.stderr).toContain('retention.plans.free.limits.mode');
    const typo = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { a: { type: 'files', path: tmp.dir } },
        storage: { d: { type: 'local', path: tmp.dir } },
        schedules: { daily: { cron: '0 2 * * *' } },
        retention: { plans: { free: { limits: { schedules: ['weekly'] } } } },
      },
      'typo.json',
    );
    const second = await runCli(['-c', typo, 'list']);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain('retention.plans.free.limits.schedules.0: unknown schedule "weekly" (defined: daily)');
  });
});
