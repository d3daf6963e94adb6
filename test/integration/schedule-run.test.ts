/**
 * schedule-run through the built binary, with a files source and a local storage: due-ness across
 * runs, the lease lock against a concurrent and a killed run, shards, the webhook and the metrics file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { chmod, chown, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import type { ListResult } from '../../src/commands/list.js';
import type { ScheduleRunResult } from '../../src/commands/schedule-run.js';
import type { WebhookPayload } from '../../src/notify/webhook.js';

interface Fixture {
  dir: string;
  config: string;
  backups: string;
  tenants: string[];
  cleanup(): Promise<void>;
}

/** A files source with one directory per tenant (`bytes` of random data each) and a local storage. */
async function fixture(tenants: string[], options: { bytes?: number; extra?: Record<string, unknown>; schedule?: Record<string, unknown> } = {}): Promise<Fixture> {
  const tmp = await tempDir('orgbackup-schedule-');
  for (const tenant of tenants) {
    await mkdir(path.join(tmp.dir, 'tenants', tenant), { recursive: true });
    await writeFile(path.join(tmp.dir, 'tenants', tenant, 'data.bin'), randomBytes(options.bytes ?? 1024));
  }
  const config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { media: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
    storage: { local: { type: 'local', path: './backups' } },
    defaults: { storage: ['local'], compression: 'none', jobs: 1 },
    schedules: { nightly: { cron: '0 2 * * *', timezone: 'UTC', ...options.schedule } },
    ...options.extra,
  });
  return { dir: tmp.dir, config, backups: path.join(tmp.dir, 'backups'), tenants, cleanup: () => tmp.cleanup() };
}

/** Complete archives per tenant, read from the storage directory (sidecars are the commit markers). */
async function completeArchives(f: Fixture): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const tenant of f.tenants) {
    const files = await readdir(path.join(f.backups, 'media', tenant)).catch(() => [] as string[]);
    counts[tenant] = files.filter((n) => n.endsWith('.manifest.json')).length;
  }
  return counts;
}

const leaseFile = (f: Fixture, lock = 'schedule-nightly-all') => path.join(f.backups, '_locks', lock, 'lease.json');

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** When the current lease really expires: lease.json's expiry or a later heartbeat's (`renew-<token>-<ms>`). */
async function leaseExpiry(f: Fixture): Promise<number> {
  const lease = await readLease(f);
  const beats = await readdir(path.dirname(leaseFile(f))).catch(() => [] as string[]);
  const renewed = beats
    .map((n) => /^renew-[a-z0-9]+-(\d+)$/.exec(n)?.[1])
    .filter((ms) => ms !== undefined)
    .map(Number);
  return Math.max(lease ? Date.parse(lease.expiresAt) : 0, ...renewed);
}

const readLease = (f: Fixture) =>
  readFile(leaseFile(f), 'utf8').then(
    (t) => JSON.parse(t) as { pid: number; expiresAt: string; owner: string },
    () => undefined,
  );

function spawnRun(f: Fixture, args: string[], env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [BIN, '-c', f.config, 'schedule-run', ...args], { reject: false, cwd: ROOT, env: { NO_COLOR: '1', ...env }, stdin: 'ignore' });
}

describe('schedule-run', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it('runs a due schedule once; the second call does nothing; list --stale sees tenants without archives', async () => {
    f = await fixture(['acme', 'globex', 'initech']);
    const before = await runCli(['-c', f.config, 'list', '--stale', '26h', '--json']);
    expect(before.exitCode).toBe(1);
    expect((before.json as ListResult).stale!.map((s) => [s.tenant, s.newest ?? null]).sort()).toEqual([
      ['acme', null],
      ['globex', null],
      ['initech', null],
    ]);

    const first = await runCli(['-c', f.config, 'schedule-run', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json.schedules).toHaveLength(1);
    expect(first.json.schedules[0]).toMatchObject({ schedule: 'nightly', shard: 'all', status: 'ok', due: true, reason: 'never run', counts: { ok: 3, partial: 0, failed: 0 } });
    expect(await completeArchives(f)).toEqual({ acme: 1, globex: 1, initech: 1 });
    const listed = await runCli(['-c', f.config, 'list', '--long', '--json']);
    expect((listed.json as ListResult).archives.map((a) => a.trigger)).toEqual(['schedule:nightly', 'schedule:nightly', 'schedule:nightly']);
    const state = await readdir(path.join(f.backups, '_state', 'schedules', 'nightly', 'all'));
    expect(state).toHaveLength(1);

    const second = await runCli(['-c', f.config, 'schedule-run', '--json']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json.schedules[0]).toMatchObject({ status: 'skipped', due: false });
    expect(second.json.schedules[0].reason).toMatch(/^ran .*; next tick .*T02:00:00.000Z$/);
    expect(await completeArchives(f)).toEqual({ acme: 1, globex: 1, initech: 1 });

    const fresh = await runCli(['-c', f.config, 'list', '--stale', '26h', '--json']);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.json.stale).toEqual([]);

    // --now forces a run that is not due; old state records beyond the history are removed.
    const forced = await runCli(['-c', f.config, 'schedule-run', '--now', '--schedule', 'nightly', '--json']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.json.schedules[0]).toMatchObject({ status: 'ok', reason: 'forced with --now' });
    expect(await completeArchives(f)).toEqual({ acme: 2, globex: 2, initech: 2 });
  });

  it('prunes after the backups when the schedule says prune: true', async () => {
    f = await fixture(['acme', 'globex'], { schedule: { prune: true }, extra: { retention: { keepLast: 1 } } });
    const first = await runCli(['-c', f.config, 'schedule-run', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const second = await runCli(['-c', f.config, 'schedule-run', '--now', '--json']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json.schedules[0].prune).toMatchObject({ status: 'ok' });
    expect(second.json.schedules[0].prune.message).toMatch(/^2 removed, 2 kept/);
    expect(await completeArchives(f)).toEqual({ acme: 1, globex: 1 });
    const listed = (await runCli(['-c', f.config, 'list', '--json'])).json as ListResult;
    const secondIds = (second.json as ScheduleRunResult).schedules[0]!.archives!.map((a) => a.id).sort();
    expect(listed.archives.map((a) => a.id).sort()).toEqual(secondIds);
  });

  it('rejects unknown schedules, bad cron patterns and bad shards with exit 2', async () => {
    // A bad pattern now fails at config load, before schedule-run looks at any schedule.
    f = await fixture(['acme']);
    const bad = await fixture(['acme'], { schedule: { cron: '0 25 * * *' } });
    const badCron = await runCli(['-c', bad.config, 'schedule-run']);
    await bad.cleanup();
    expect(badCron.exitCode).toBe(2);
    expect(badCron.stderr).toContain('schedules.nightly.cron: "0 25 * * *" is not a cron pattern');
    const unknown = await runCli(['-c', f.config, 'schedule-run', '--schedule', 'weekly']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown schedule "weekly"');
    const shard = await runCli(['-c', f.config, 'schedule-run', '--shard', '2/2']);
    expect(shard.exitCode).toBe(2);
    expect(shard.stderr).toContain('shard index must be a whole number from 0 to 1');
  });

  it('a second run while the first holds the lease exits 75 naming the holder; the first completes', async () => {
    f = await fixture(['acme', 'globex', 'initech'], { bytes: 24 * 1024 * 1024 });
    const first = spawnRun(f, ['--json']);
    const lease = await waitFor(() => readLease(f!), 'the first run to take the lease');
    expect(lease.pid).toBe(first.pid);
    // Freeze the holder so the overlap does not depend on how fast this machine is.
    process.kill(first.pid!, 'SIGSTOP');
    try {
      const second = await runCli(['-c', f.config, 'schedule-run', '--json']);
      expect(second.exitCode).toBe(75);
      expect(second.json.schedules[0].status).toBe('busy');
      expect(second.json.schedules[0].error.message).toContain(`locked by schedule-run nightly all (host`);
      expect(second.json.schedules[0].error.message).toContain(`pid ${first.pid})`);
    } finally {
      process.kill(first.pid!, 'SIGCONT');
    }
    const done = await first;
    expect(done.exitCode, String(done.stderr)).toBe(0);
    expect(await completeArchives(f)).toEqual({ acme: 1, globex: 1, initech: 1 });
    const after = await runCli(['-c', f.config, 'schedule-run', '--json']);
    expect(after.exitCode).toBe(0);
    expect(after.json.schedules[0].status).toBe('skipped');
  });

  it('a run killed with SIGKILL blocks others until its lease expires; then a new run takes over', async () => {
    f = await fixture(['acme', 'globex', 'initech'], { bytes: 24 * 1024 * 1024 });
    const env = { ORGBACKUP_LOCK_TTL: '8s' };
    const victim = spawnRun(f, [], env);
    const lease = await waitFor(() => readLease(f!), 'the first run to take the lease');
    process.kill(victim.pid!, 'SIGKILL');
    await victim;

    let takeover = await runCli(['-c', f.config, 'schedule-run', '--json'], { env });
    // Finished before the dead run's lease expired, so it ran into the lease: busy.
    if (Date.now() < Date.parse(lease.expiresAt)) expect(takeover.exitCode).toBe(75);
    if (takeover.exitCode === 75) {
      expect(takeover.json.schedules[0].error.message).toContain(`pid ${victim.pid})`);
      // Wait out the lease (heartbeats may have extended it), then try again.
      const expiry = await leaseExpiry(f);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now()) + 1500));
      takeover = await runCli(['-c', f.config, 'schedule-run', '--json'], { env });
    }
    expect(takeover.exitCode, takeover.stderr).toBe(0);
    expect(takeover.json.schedules[0]).toMatchObject({ status: 'ok', due: true, reason: 'never run', counts: { ok: 3, failed: 0 } });
    // Whatever the killed run left is incomplete: exactly one complete archive per tenant is listed.
    const listed = await runCli(['-c', f.config, 'list', '--json']);
    expect((listed.json as ListResult).archives.map((a) => a.tenant).sort()).toEqual(['acme', 'globex', 'initech']);
    const verify = await runCli(['-c', f.config, 'verify', '--json']);
    expect(verify.exitCode, verify.stderr).toBe(0);
  });

  it('a run frozen longer than its lease is taken over, then stops with 75 and records nothing', async () => {
    f = await fixture(['acme', 'globex', 'initech'], { bytes: 24 * 1024 * 1024 });
    const env = { ORGBACKUP_LOCK_TTL: '2s' };
    const frozen = spawnRun(f, ['--json'], env);
    await waitFor(() => readLease(f!), 'the first run to take the lease');
    // Freeze it once it is writing archives (past taking the lock).
    await waitFor(
      () =>
        readdir(path.join(f!.backups, 'media')).then(
          (d) => (d.length > 0 ? true : undefined),
          () => undefined,
        ),
      'the first archive upload',
    );
    process.kill(frozen.pid!, 'SIGSTOP');
    let resumed = false;
    try {
      const expiry = await leaseExpiry(f);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now()) + 1500));
      const takeover = await runCli(['-c', f.config, 'schedule-run', '--json'], { env });
      expect(takeover.exitCode, takeover.stderr).toBe(0);
      expect(takeover.json.schedules[0]).toMatchObject({ status: 'ok', counts: { ok: 3 } });
      process.kill(frozen.pid!, 'SIGCONT');
      resumed = true;
    } finally {
      if (!resumed) process.kill(frozen.pid!, 'SIGCONT');
    }
    const done = await frozen;
    expect(done.exitCode, String(done.stderr)).toBe(75);
    const result = JSON.parse(String(done.stdout)) as ScheduleRunResult;
    expect(result.schedules[0]).toMatchObject({ status: 'busy' });
    expect(result.schedules[0]!.error!.message).toContain('lost the "schedule-nightly-all" lock');
    // Only the run that took over recorded a run.
    const records = await readdir(path.join(f.backups, '_state', 'schedules', 'nightly', 'all'));
    expect(records).toHaveLength(1);
    const record = JSON.parse(await readFile(path.join(f.backups, '_state', 'schedules', 'nightly', 'all', records[0]!), 'utf8')) as { pid: number };
    expect(record.pid).not.toBe(frozen.pid);
  });

  it('shards 0/2 and 1/2, run together, back up each tenant exactly once', async () => {
    const tenants = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];
    f = await fixture(tenants);
    const [zero, one] = await Promise.all([
      spawnRun(f, ['--shard', '0/2', '--json']),
      // The Kubernetes Indexed Job way: the index comes from the environment.
      spawnRun(f, ['--json'], { JOB_COMPLETION_INDEX: '1', ORGBACKUP_SHARDS: '2' }),
    ]);
    expect(zero.exitCode, String(zero.stderr)).toBe(0);
    expect(one.exitCode, String(one.stderr)).toBe(0);
    const a = JSON.parse(String(zero.stdout)) as ScheduleRunResult;
    const b = JSON.parse(String(one.stdout)) as ScheduleRunResult;
    expect([a.shard, b.shard]).toEqual(['shard-0-of-2', 'shard-1-of-2']);
    const tenantsOf = (r: ScheduleRunResult) => r.schedules[0]!.archives!.map((x) => x.tenant);
    expect(tenantsOf(a).length).toBeGreaterThan(0);
    expect(tenantsOf(b).length).toBeGreaterThan(0);
    expect([...tenantsOf(a), ...tenantsOf(b)].sort()).toEqual(tenants);
    expect(Object.values(await completeArchives(f))).toEqual(tenants.map(() => 1));
    // Each shard keeps its own state: running shard 0 again does nothing.
    const again = await runCli(['-c', f.config, 'schedule-run', '--shard', '0/2', '--json']);
    expect(again.json.schedules[0].status).toBe('skipped');
  });
});

describe('schedule-run notifications and metrics', () => {
  let server: Server;
  let url: string;
  const received: { body: WebhookPayload; path: string }[] = [];
  let failFirst = 0;
  let f: Fixture | undefined;
  let onCleanup: (() => Promise<void>) | undefined;
  const pushed: { path: string; text: string }[] = [];

  beforeEach(async () => {
    received.length = 0;
    pushed.length = 0;
    server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method === 'PUT') {
          pushed.push({ path: req.url ?? '', text: data });
          res.end();
          return;
        }
        received.push({ body: JSON.parse(data) as WebhookPayload, path: req.url ?? '' });
        res.statusCode = failFirst-- > 0 ? 500 : 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}/hooks/T0KEN-s3cr3t-value`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await onCleanup?.();
    onCleanup = undefined;
    await f?.cleanup();
    f = undefined;
  });

  it('POSTs the run to the webhook (retrying a 500), never logging its URL, and writes the metrics file', async () => {
    failFirst = 1;
    f = await fixture(['acme', 'globex'], { extra: { notifications: { webhook: { url, on: ['always'] } } } });
    const metrics = path.join(f.dir, 'orgbackup.prom');
    const gateway = url.replace(/\/hooks\/.*$/, '/pushgateway');
    const run = await runCli(['-c', f.config, 'schedule-run', '--metrics-file', metrics, '--pushgateway', gateway, '--json', '-v']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(received).toHaveLength(2);
    expect(received[1]!.body).toEqual(received[0]!.body);
    const body = received[1]!.body;
    expect(body).toMatchObject({ schedule: 'nightly', shard: 'all', status: 'ok', exitCode: 0, sources: ['media'], storages: ['local'], counts: { ok: 2, partial: 0, failed: 0 }, failed: [] });
    expect(body.durationMs).toBeGreaterThanOrEqual(0);
    expect(body.text).toMatch(/^:white_check_mark: orgbackup schedule \*nightly\* on .*: ok \(exit 0\) — 2 ok, 0 partial, 0 failed/);
    expect(run.json.schedules[0].notified).toBe(true);
    expect(run.stderr + run.stdout).not.toContain('s3cr3t');

    const text = await readFile(metrics, 'utf8');
    const archives = (await runCli(['-c', f.config, 'list', '--json'])).json.archives as { tenant: string; time: string; size: number }[];
    for (const a of archives) {
      expect(text).toContain(`orgbackup_last_success_timestamp_seconds{source="media",tenant="${a.tenant}"} ${Math.floor(Date.parse(a.time) / 1000)}\n`);
      expect(text).toContain(`orgbackup_tenant_size_bytes{source="media",tenant="${a.tenant}"} ${a.size}\n`);
      expect(text).toContain(`orgbackup_tenant_last_run_failed{source="media",tenant="${a.tenant}"} 0\n`);
    }
    expect(text).toContain('# TYPE orgbackup_last_success_timestamp_seconds gauge\n');
    expect(text).toContain('orgbackup_schedule_last_run_exit_code{schedule="nightly",shard="all"} 0\n');
    expect(text).toContain('orgbackup_schedule_last_run_failures{schedule="nightly",shard="all"} 0\n');
    expect(text).toMatch(/^orgbackup_schedule_last_run_duration_seconds\{schedule="nightly",shard="all"\} \d+(\.\d+)?$/m);
    expect(await readdir(f.dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    // The Pushgateway gets this schedule's samples as one group.
    expect(pushed.map((p) => p.path)).toEqual(['/pushgateway/metrics/job/orgbackup/schedule/nightly/shard/all']);
    expect(pushed[0]!.text).toContain('orgbackup_schedule_last_run_exit_code{schedule="nightly",shard="all"} 0\n');
    for (const a of archives) expect(pushed[0]!.text).toContain(`orgbackup_last_success_timestamp_seconds{source="media",tenant="${a.tenant}"} ${Math.floor(Date.parse(a.time) / 1000)}\n`);
    expect(run.json.metrics).toEqual({ file: metrics, pushed: true });
  });

  it('a run that cannot start is alerted on failure, recorded, and keeps earlier last-success metrics', async () => {
    // The URL from a file, as a Kubernetes secret mount provides it.
    const secrets = await tempDir('orgbackup-secret-');
    const urlFile = path.join(secrets.dir, 'webhook-url');
    await writeFile(urlFile, url + '\n', { mode: 0o600 });
    onCleanup = () => secrets.cleanup();
    f = await fixture(['acme'], { extra: { notifications: { webhook: { urlFile, on: ['failure'] } } } });
    const metrics = path.join(f.dir, 'orgbackup.prom');
    const ok = await runCli(['-c', f.config, 'schedule-run', '--metrics-file', metrics]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(received).toHaveLength(0);
    const before = (await readFile(metrics, 'utf8')).split('\n').find((l) => l.startsWith('orgbackup_last_success_timestamp_seconds'));
    expect(before).toMatch(/tenant="acme"\} \d+$/);

    // The source directory disappears (an unmounted volume): the whole run fails.
    await rename(path.join(f.dir, 'tenants'), path.join(f.dir, 'tenants-gone'));
    const failed = await runCli(['-c', f.config, 'schedule-run', '--now', '--metrics-file', metrics, '--json']);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.json.schedules[0].status).toBe('failed');
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toMatchObject({ schedule: 'nightly', status: 'failed', exitCode: failed.exitCode, counts: { ok: 0, failed: 0 } });
    expect(received[0]!.body.error).toContain('tenants');
    expect(received[0]!.body.text).toMatch(/^:x: orgbackup schedule \*nightly\*/);
    expect(received[0]!.body.text.split('\n')[1]).toMatch(/^> /);
    expect(failed.stderr + failed.stdout).not.toContain('s3cr3t');
    const text = await readFile(metrics, 'utf8');
    expect(text).toContain(before! + '\n');
    expect(text).toContain(`orgbackup_schedule_last_run_exit_code{schedule="nightly",shard="all"} ${failed.exitCode}\n`);
    // The failed run was recorded: the next call is not due again until the next tick.
    const next = await runCli(['-c', f.config, 'schedule-run', '--json']);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.json.schedules[0].status).toBe('skipped');
  });

  it('lists failed tenants with their errors (exit 3) and marks them in the metrics', async () => {
    f = await fixture(['acme', 'broken'], { extra: { notifications: { webhook: { url, on: ['failure'] } } } });
    const metrics = path.join(f.dir, 'orgbackup.prom');
    // A directory the backup user cannot read. Root reads everything, so as root run as uid 1001.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=1001', '--regid=1001', '--clear-groups'] : [];
    if (asUser.length > 0) await execa('chown', ['-R', '1001:1001', f.dir]);
    const run = (args: string[]) =>
      execa(asUser[0] ?? process.execPath, [...asUser.slice(1), ...(asUser.length ? [process.execPath] : []), BIN, '-c', f!.config, 'schedule-run', '--metrics-file', metrics, '--json', ...args], {
        reject: false,
        cwd: ROOT,
        env: { NO_COLOR: '1' },
        stdin: 'ignore',
      });
    const first = await run([]);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    const lastSuccess = (await readFile(metrics, 'utf8')).split('\n').find((l) => l.includes('last_success') && l.includes('tenant="broken"'));

    await mkdir(path.join(f.dir, 'tenants', 'broken', 'private'));
    if (asUser.length > 0) await chown(path.join(f.dir, 'tenants', 'broken', 'private'), 1001, 1001);
    await chmod(path.join(f.dir, 'tenants', 'broken', 'private'), 0o000);
    const second = await run(['--now']);
    expect(second.exitCode, String(second.stderr)).toBe(3);
    expect(received).toHaveLength(1);
    const body = received[0]!.body;
    expect(body).toMatchObject({ status: 'partial', exitCode: 3, counts: { ok: 1, partial: 0, failed: 1 } });
    expect(body.failed).toEqual([{ source: 'media', tenant: 'broken', error: expect.stringMatching(/EACCES|permission denied/i) }]);
    expect(body.text.split('\n')[1]).toMatch(/^• media\/broken: .*(EACCES|permission denied)/i);
    const text = await readFile(metrics, 'utf8');
    expect(text).toContain('orgbackup_tenant_last_run_failed{source="media",tenant="broken"} 1\n');
    expect(text).toContain('orgbackup_tenant_last_run_failed{source="media",tenant="acme"} 0\n');
    expect(text).toContain(lastSuccess + '\n');
    expect(text).toContain('orgbackup_schedule_last_run_failures{schedule="nightly",shard="all"} 1\n');
    await chmod(path.join(f.dir, 'tenants', 'broken', 'private'), 0o700);
  });
});
