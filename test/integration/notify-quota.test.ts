/** emitQuotaWarnings (what the plan-limit checks call) through real channels: a webhook receiver, an SMTP server and a Prometheus file. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { notificationsSchema } from '../../src/config/notifications-schema.js';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/context.js';
import { emitQuotaWarnings } from '../../src/notify/quota.js';
import { startSmtp, startWebhook, type Smtp, type Webhook } from '../helpers/notify-servers.js';
import { tempDir } from '../helpers/tmp.js';

let hook: Webhook;
let smtp: Smtp;
let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  hook = await startWebhook();
  smtp = await startSmtp('quota-pw');
  work = await tempDir('orgbackup-quota-');
});
afterEach(async () => {
  await hook.close();
  await smtp.close();
  await work.cleanup();
});

it('a quota warning reaches the webhook, the mailbox and the metrics file; channels without it get nothing', async () => {
  const prom = path.join(work.dir, 'q.prom');
  const notifications = notificationsSchema.parse({
    channels: {
      hook: { type: 'webhook', url: hook.url, events: ['quota-warning'] },
      other: { type: 'webhook', url: hook.url.replace('/hooks/', '/other/'), events: ['backup-failed'] },
      mail: { type: 'email', from: 'b@example.test', to: ['ops@example.test'], smtp: { host: '127.0.0.1', port: smtp.port, user: 'backup', password: 'quota-pw' } },
      prom: { type: 'prometheus', file: prom },
    },
  });
  const warning = { source: 'app', tenant: 'acme', plan: 'free', limit: 'maxTenantStorage', used: 450_000_000, max: 500_000_000, percent: 90 };
  await emitQuotaWarnings('create', [warning], { config: { notifications } as Config, log: silentLogger, signal: new AbortController().signal });
  expect(hook.bodies).toHaveLength(1);
  expect(hook.bodies[0]).toMatchObject({
    command: 'create',
    events: [{ kind: 'quota-warning', severity: 'warning', source: 'app', tenant: 'acme', details: { plan: 'free', limit: 'maxTenantStorage', used: 450_000_000, max: 500_000_000, percent: 90 } }],
  });
  expect(hook.bodies[0].text).toContain(':warning: quota warning: app/acme: maxTenantStorage at 90% (450000000 of 500000000, plan free)');
  expect(smtp.mails).toHaveLength(1);
  expect(smtp.mails[0]!.data).toMatch(/^Subject: \[orgbackup\] quota warning: app\/acme: maxTenantStorage at 90%/m);
  expect(await readFile(prom, 'utf8')).toContain('orgbackup_quota_used_ratio{limit="maxTenantStorage",plan="free",source="app",tenant="acme"} 0.900\n');
});

it('old configs load: notifications.webhook alone, and no notifications at all', () => {
  expect(notificationsSchema.parse({ webhook: { url: 'https://hooks.example.test/x' } })).toMatchObject({ webhook: { on: ['failure'] }, channels: {}, expiringWithin: '7d' });
  expect(notificationsSchema.parse({})).toEqual({ channels: {}, expiringWithin: '7d' });
  expect(() => notificationsSchema.parse({ channels: { m: { type: 'email', from: 'a@b.c', to: ['x@y.z'], smtp: { host: 'h', password: 'p' } } } })).toThrow(/a password needs \\"user\\"/);
});
