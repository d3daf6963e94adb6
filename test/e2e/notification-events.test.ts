/**
 * The events test/e2e/notifications.test.ts does not reach, through the built binary, each to a
 * webhook receiver and an SMTP server started here: backup partial (one of two storages refuses
 * the tenant's upload, an injected fault), restore failed (a damaged archive), restore rolled back
 * (a PostgreSQL schema restore that fails in its transaction: told by the error's flag), and
 * schedule-run's backup events on the same channels.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startSmtp, startWebhook, type Smtp, type Webhook } from '../helpers/notify-servers.js';
import { createDb, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { startFaultProxy, type FaultProxy } from '../helpers/s3-fault-proxy.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const PASSWORD = 'events-Pw-smtp';
let work: { dir: string; cleanup(): Promise<void> };
let hook: Webhook;
let smtp: Smtp;
let s3: S3rverHandle;
let proxy: FaultProxy;

beforeAll(async () => {
  [work, s3] = await Promise.all([tempDir('orgbackup-events-'), startS3rver()]);
  for (const tenant of ['acme', 'globex']) {
    await mkdir(path.join(work.dir, 'tenants', tenant), { recursive: true });
    await writeFile(path.join(work.dir, 'tenants', tenant, 'data.bin'), randomBytes(4096));
  }
  // Every upload of acme's objects fails for good; globex's and preflight's go through.
  proxy = await startFaultProxy(s3.endpoint, (r) => (r.method === 'PUT' && r.url.includes('/media/acme/') ? { status: 403, code: 'AccessDenied' } : undefined));
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), s3?.stop(), work?.cleanup()]);
});
beforeEach(async () => {
  [hook, smtp] = await Promise.all([startWebhook(), startSmtp(PASSWORD)]);
});
afterEach(async () => {
  await Promise.all([hook.close(), smtp.close()]);
});

const channels = () => ({
  hook: { type: 'webhook', url: hook.url, events: ['all'] },
  mail: { type: 'email', from: 'orgbackup@example.test', to: ['ops@example.test'], events: ['all'], smtp: { host: '127.0.0.1', port: smtp.port, user: 'backup', password: PASSWORD } },
});

function filesConfig(name: string, storage: Record<string, unknown>): Promise<string> {
  return writeConfig(
    work.dir,
    {
      version: 1,
      sources: { media: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
      storage,
      defaults: { storage: Object.keys(storage), compression: 'none', jobs: 1 },
      schedules: { nightly: { cron: '0 2 * * *' } },
      notifications: { channels: channels() },
    },
    name,
  );
}

/** Kinds per delivery, as the webhook got them and as the mails' header lists them: both must agree. */
const hookKinds = () => hook.bodies.map((b: { events: { kind: string }[] }) => b.events.map((e) => e.kind).join(','));
const mailKinds = () => smtp.mails.map((m) => /^X-Orgbackup-Events: (.*)$/im.exec(m.data)?.[1]?.trim());

describe('notification events', () => {
  it('backup partial: one storage refuses the tenant, the event names it and reaches both channels', async () => {
    const file = await filesConfig('partial.json', { local: { type: 'local', path: './backups' }, offsite: s3StorageConfig(s3, { endpoint: proxy.endpoint, prefix: 'p' }) });
    const run = await runCli(['-c', file, '--json', 'create']);
    expect(run.exitCode, run.stderr).toBe(3);
    expect(run.json.archives.map((a: { tenant: string; status: string }) => `${a.tenant} ${a.status}`)).toEqual(['acme partial', 'globex ok']);
    expect(hookKinds()).toEqual(['backup-partial,backup-succeeded']);
    expect(mailKinds()).toEqual(['backup-partial,backup-succeeded']);
    expect(hook.bodies[0].events[0]).toMatchObject({ kind: 'backup-partial', severity: 'warning', source: 'media', tenant: 'acme', archive: run.json.archives[0].id });
    expect(hook.bodies[0].text).toContain(':warning: backup partial: media/acme');
    expect(proxy.injected.length).toBeGreaterThan(0);
  });

  it('restore failed: a damaged archive is refused; restore started, then restore failed', async () => {
    const file = await filesConfig('restore.json', { local: { type: 'local', path: './backups-r' } });
    const created = await runCli(['-c', file, '--json', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.json.archives[0].id as string;
    const dir = path.join(work.dir, 'backups-r', 'media', 'acme');
    const zip = (await readdir(dir, { recursive: true })).map((f) => path.join(dir, String(f))).find((f) => f.endsWith('.zip'))!;
    expect((await stat(zip)).isFile()).toBe(true);
    await truncate(zip, 100);
    const restored = await runCli(['-c', file, '--json', 'restore', id, '--target', path.join(work.dir, 'restored'), '--yes']);
    expect(restored.exitCode).toBe(5);
    expect(hookKinds()).toEqual(['backup-succeeded', 'restore-started', 'restore-failed']);
    expect(mailKinds()).toEqual(['backup-succeeded', 'restore-started', 'restore-failed']);
    expect(hook.bodies[2].events[0]).toMatchObject({ kind: 'restore-failed', severity: 'error', archive: id, source: 'media', tenant: 'acme', error: expect.stringContaining('refusing to restore') });
  });

  it('schedule-run: its backups reach the same channels as create', async () => {
    const file = await filesConfig('schedule.json', { local: { type: 'local', path: './backups-s' } });
    const run = await runCli(['-c', file, '--json', 'schedule-run', '--schedule', 'nightly', '--now']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(hookKinds()).toEqual(['backup-succeeded,backup-succeeded']);
    // The mail's header lists each kind once.
    expect(mailKinds()).toEqual(['backup-succeeded']);
    expect(hook.bodies[0]).toMatchObject({
      command: 'schedule-run',
      exitCode: 0,
      events: [
        { command: 'schedule-run', tenant: 'acme' },
        { command: 'schedule-run', tenant: 'globex' },
      ],
    });
  });
});

describe('restore rolled back (PostgreSQL schema mode)', () => {
  let db: string;
  beforeAll(async () => {
    db = await createDb('obrolled');
  });
  afterAll(async () => {
    if (db) await dropDb(db);
  });

  it('a restore undone by its transaction is restore-rolled-back, not restore-failed, and the schema is unchanged', async () => {
    await psql(db, {
      sql: `CREATE SCHEMA tenant_acme;
            CREATE TABLE tenant_acme.tasks (id serial PRIMARY KEY, title text);
            INSERT INTO tenant_acme.tasks (title) SELECT 't' || g FROM generate_series(1, 20) g;`,
    });
    // The archive names an owner that no longer exists when it is restored: its ALTER ... OWNER fails inside the transaction.
    const role = uniqueName('obrolledowner');
    await pgQuery('postgres', `CREATE ROLE ${role}`);
    try {
      await pgQuery(db, `ALTER TABLE tenant_acme.tasks OWNER TO ${role}`);
      const file = await writeConfig(
        work.dir,
        {
          version: 1,
          sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'schema', match: 'tenant\\_%' } } },
          storage: { local: { type: 'local', path: './backups-pg' } },
          notifications: { channels: channels() },
        },
        'rolled.json',
      );
      const created = await runCli(['-c', file, '--json', 'create']);
      expect(created.exitCode, created.stderr).toBe(0);
      const id = created.json.archives[0].id as string;
      await pgQuery(db, `REASSIGN OWNED BY ${role} TO postgres`);
      await pgQuery('postgres', `DROP ROLE ${role}`);
      await psql(db, { sql: `DELETE FROM tenant_acme.tasks WHERE id <= 5` });
      const before = await tableDigests(db, ['tenant_acme']);

      const restored = await runCli(['-c', file, '--json', 'restore', id, '--yes', '--no-safety-backup']);
      expect(restored.exitCode).toBe(1);
      expect(await tableDigests(db, ['tenant_acme'])).toEqual(before);
      expect(hookKinds()).toEqual(['backup-succeeded', 'restore-started', 'restore-rolled-back']);
      expect(mailKinds()).toEqual(['backup-succeeded', 'restore-started', 'restore-rolled-back']);
      expect(hook.bodies[2].events[0]).toMatchObject({ kind: 'restore-rolled-back', severity: 'error', archive: id, source: 'app', tenant: 'tenant_acme' });
      expect(hook.bodies[2].text).toContain(':x: restore rolled back: app/tenant_acme');
      expect(smtp.mails[2]!.data).toMatch(/^Subject: \[orgbackup\] restore rolled back: app\/tenant_acme/m);
    } finally {
      await pgQuery('postgres', `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    }
  });
});
