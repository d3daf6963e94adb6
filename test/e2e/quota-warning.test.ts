/**
 * The quota-warning event through the built binary: create and schedule-run judge each tenant after
 * the run, from the listing plus what the run stored, and a tenant above 80% of maxArchivesPerMonth
 * or maxTenantStorage reaches the webhook and the SMTP server that choose the event (and only them).
 * PostgreSQL rows source whose tenants query gives each tenant's plan; local storage.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startSmtp, startWebhook, type Smtp, type Webhook } from '../helpers/notify-servers.js';
import { createDb, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

const PASSWORD = 'quota-Pw-smtp';
let tmp: { dir: string; cleanup(): Promise<void> };
let db: string;
let hook: Webhook;
let other: Webhook;
let smtp: Smtp;

beforeAll(async () => {
  [tmp, db] = await Promise.all([tempDir('orgbackup-e2e-quota-'), createDb('ob_quota')]);
  await pgQuery(
    db,
    `CREATE TABLE orgs (id text PRIMARY KEY, plan text NOT NULL);
     CREATE TABLE notes (note_id serial PRIMARY KEY, org_id text NOT NULL REFERENCES orgs, body text NOT NULL);
     INSERT INTO orgs VALUES ('acme', 'small'), ('globex', 'big');
     INSERT INTO notes (org_id, body) SELECT o.id, md5(o.id || g) FROM orgs o, generate_series(1, 300) g;`,
  );
});
afterAll(async () => {
  await Promise.all([tmp?.cleanup(), db ? dropDb(db) : undefined]);
});
beforeEach(async () => {
  [hook, other, smtp] = await Promise.all([startWebhook(), startWebhook('/other'), startSmtp(PASSWORD)]);
});
afterEach(async () => {
  await Promise.all([hook.close(), other.close(), smtp.close()]);
});

function config(big: Record<string, unknown>): Promise<string> {
  return writeConfig(tmp.dir, {
    version: 1,
    sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, plan FROM orgs ORDER BY id' } } },
    storage: { disk: { type: 'local', path: path.join(tmp.dir, 'disk') } },
    defaults: { storage: ['disk'], compression: 'gzip' },
    schedules: { nightly: { cron: '0 2 * * *' } },
    retention: { keepLast: 10, plans: { small: { limits: { maxArchivesPerMonth: 2 } }, big: { limits: big } } },
    notifications: {
      channels: {
        quota: { type: 'webhook', url: hook.url, events: ['quota-warning'] },
        failures: { type: 'webhook', url: other.url, events: ['backup-failed'] },
        mail: { type: 'email', from: 'orgbackup@example.test', to: ['ops@example.test'], events: ['quota-warning'], smtp: { host: '127.0.0.1', port: smtp.port, user: 'backup', password: PASSWORD } },
      },
    },
  });
}

const quotaEvents = () => hook.bodies.flatMap((b: { events: any[] }) => b.events);

describe('quota warning', () => {
  it('create: no warning at 50% of maxArchivesPerMonth; the run that reaches 100% warns for that tenant only', async () => {
    const file = await config({ maxArchivesPerMonth: 100 });
    const first = await runCli(['-c', file, '--json', 'create']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(hook.bodies).toEqual([]);
    expect(smtp.mails).toEqual([]);

    const second = await runCli(['-c', file, '--json', 'create']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({ command: 'create' });
    expect(quotaEvents()).toEqual([
      expect.objectContaining({ kind: 'quota-warning', severity: 'warning', source: 'app', tenant: 'acme', details: { plan: 'small', limit: 'maxArchivesPerMonth', used: 2, max: 2, percent: 100 } }),
    ]);
    expect(hook.bodies[0].text).toContain(':warning: quota warning: app/acme: maxArchivesPerMonth at 100% (2 of 2, plan small)');
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.data).toMatch(/^Subject: \[orgbackup\] quota warning: app\/acme: maxArchivesPerMonth at 100%/m);
    expect(second.stderr).toContain('app/acme: maxArchivesPerMonth at 100% (2 of 2, plan small)');
    // The channel that chose only backup-failed got nothing.
    expect(other.bodies).toEqual([]);
  });

  it('schedule-run: a tenant that crosses 80% of maxTenantStorage with the archive it stored warns', async () => {
    const listed = (await runCli(['-c', await config({}), '--json', 'list', '--tenant', 'globex', '--source', 'app'])).json.archives as { size: number }[];
    expect(listed).toHaveLength(2);
    const held = listed.reduce((n, a) => n + a.size, 0);
    // Before the run: held / max = 62.5%; after a third archive of about the same size, about 94%.
    const max = Math.round(held * 1.6);
    const file = await config({ maxTenantStorage: `${max}B` });
    const run = await runCli(['-c', file, '--json', 'schedule-run', '--schedule', 'nightly', '--now']);
    // acme is over its 2 archives a month: limited, so the run exits 3.
    expect(run.exitCode, run.stderr).toBe(3);
    const stored = (run.json.schedules[0].archives as { tenant: string; status: string; size: number }[]).find((a) => a.tenant === 'globex')!;
    expect(stored.status).toBe('ok');
    const events = quotaEvents().filter((e) => e.tenant === 'globex');
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'quota-warning',
        command: 'schedule-run',
        details: { plan: 'big', limit: 'maxTenantStorage', used: held + stored.size, max, percent: Math.floor(((held + stored.size) / max) * 100) },
      }),
    ]);
    expect(events[0].details.percent).toBeGreaterThan(80);
    // acme, limited at 2 of 2, is still above 80%.
    expect(
      quotaEvents()
        .filter((e) => e.tenant === 'acme')
        .map((e) => e.details.percent),
    ).toEqual([100]);
    expect(smtp.mails.map((m) => /^Subject: .*$/m.exec(m.data)?.[0])).toEqual([expect.stringMatching(/quota warning/)]);
  });
});
