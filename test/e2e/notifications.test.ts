/**
 * Notifications through the built binary: every event kind a command derives reaches a webhook
 * receiver and an SMTP server started here, the Prometheus channel gets every command's samples,
 * and dead channels leave the command's exit code alone with a warning that names no secret.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { deadPort, startSmtp, startWebhook, type Smtp, type Webhook } from '../helpers/notify-servers.js';

const PASSWORD = 'pw-S3cr3t-smtp';
let work: { dir: string; cleanup(): Promise<void> };
let hook: Webhook;
let smtp: Smtp;

beforeEach(async () => {
  work = await tempDir('orgbackup-notify-');
  hook = await startWebhook();
  smtp = await startSmtp(PASSWORD);
  for (const tenant of ['acme', 'globex']) {
    await mkdir(path.join(work.dir, 'tenants', tenant), { recursive: true });
    await writeFile(path.join(work.dir, 'tenants', tenant, 'data.bin'), randomBytes(4096));
  }
  await writeFile(path.join(work.dir, 'smtp-password'), PASSWORD + '\n', { mode: 0o600 });
});
afterEach(async () => {
  await hook.close();
  await smtp.close();
  await work.cleanup();
});

function config(channels: Record<string, unknown>): Promise<string> {
  return writeConfig(work.dir, {
    version: 1,
    sources: { media: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
    storage: { local: { type: 'local', path: './backups' } },
    defaults: { storage: ['local'], compression: 'none', jobs: 1 },
    retention: { keepWithin: '3d' },
    notifications: { expiringWithin: '7d', channels },
  });
}

const mailChannel = (port: number) => ({
  type: 'email',
  from: 'orgbackup@example.test',
  to: ['ops@example.test'],
  events: ['all'],
  smtp: { host: '127.0.0.1', port, user: 'backup', passwordFile: path.join(work.dir, 'smtp-password') },
});

/** Kinds per delivery, in order, as the webhook got them and as the mails' header lists them. */
const hookKinds = () => hook.bodies.map((b: { events: { kind: string }[] }) => [...new Set(b.events.map((e) => e.kind))].join(','));
const mailKinds = () => smtp.mails.map((m) => /^X-Orgbackup-Events: (.*)$/im.exec(m.data)?.[1]?.trim());

async function archiveFile(id: string): Promise<string> {
  const dir = path.join(work.dir, 'backups', 'media', 'acme');
  const files = (await readdir(dir, { recursive: true })).map((f) => path.join(dir, String(f)));
  const stamp = id.split('/')[2]!;
  for (const f of files) if (f.includes(stamp) && !f.endsWith('.json') && (await stat(f)).isFile()) return f;
  throw new Error(`no archive file for ${id} in ${files.join(', ')}`);
}

describe('notification channels', () => {
  it('each event kind reaches the webhook and the SMTP server; the Prometheus file gets every command', async () => {
    const prom = path.join(work.dir, 'orgbackup.prom');
    const file = await config({ hook: { type: 'webhook', url: hook.url, events: ['all'] }, mail: mailChannel(smtp.port), prom: { type: 'prometheus', file: prom } });
    const cli = (...args: string[]) => runCli(['-c', file, '--json', ...args]);

    const first = await cli('create');
    expect(first.exitCode, first.stderr).toBe(0);
    expect((await cli('create')).exitCode).toBe(0);
    expect(hook.bodies[0]).toMatchObject({
      command: 'create',
      exitCode: 0,
      events: [
        { kind: 'backup-succeeded', source: 'media', tenant: 'acme' },
        { kind: 'backup-succeeded', tenant: 'globex' },
      ],
    });
    expect(hook.bodies[0].text).toMatch(/^orgbackup create on .*: 2 backup succeeded\n:white_check_mark: backup succeeded: media\/acme: media\/acme\//);

    const pruned = await cli('prune');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.json.expiring).toHaveLength(2);
    const stale = await cli('list', '--stale', '1ms');
    expect(stale.exitCode).toBe(1);

    const id = first.json.archives.find((a: { tenant: string }) => a.tenant === 'acme').id as string;
    const restored = await cli('restore', id, '--target', path.join(work.dir, 'restored'), '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);

    await truncate(await archiveFile(id), 100);
    const verified = await cli('verify', id);
    expect(verified.exitCode).toBe(5);

    await rename(path.join(work.dir, 'tenants'), path.join(work.dir, 'tenants-gone'));
    const failed = await cli('create');
    expect(failed.exitCode).not.toBe(0);

    const expected = ['backup-succeeded', 'backup-succeeded', 'archive-expiring', 'tenant-stale', 'restore-started', 'restore-completed', 'verify-failed', 'backup-failed'];
    expect(hookKinds()).toEqual(expected);
    expect(mailKinds()).toEqual(expected);
    const expiring = hook.bodies[2].events[0];
    expect(expiring).toMatchObject({ kind: 'archive-expiring', source: 'media', tenant: 'acme', archive: id, details: { before: expect.any(String) } });
    expect(hook.bodies[2].text).toContain(`archive expiring: media/acme: its oldest archive ${id} will be pruned before`);
    expect(hook.bodies[5].events[0]).toMatchObject({ kind: 'restore-completed', archive: id, tenant: 'acme' });
    expect(hook.bodies[6].events[0]).toMatchObject({ kind: 'verify-failed', archive: id, source: 'media', tenant: 'acme', error: expect.any(String) });
    expect(hook.bodies[7].events[0]).toMatchObject({ kind: 'backup-failed', command: 'create', severity: 'error' });
    expect(smtp.mails.every((m) => m.user === 'backup' && m.to.join() === 'ops@example.test')).toBe(true);
    expect(smtp.mails[6]!.data).toMatch(/^Subject: \[orgbackup\] verify failed: media\/acme/m);

    const text = await readFile(prom, 'utf8');
    for (const command of ['create', 'prune', 'list', 'restore', 'verify']) expect(text).toMatch(new RegExp(`^orgbackup_command_last_run_exit_code\\{command="${command}"\\} \\d+$`, 'm'));
    expect(text).toContain(`orgbackup_command_last_run_exit_code{command="create"} ${failed.exitCode}\n`);
    expect(text).toContain('orgbackup_verify_last_failed{source="media",tenant="acme"} 1\n');
    expect(text).toContain('orgbackup_restore_last_failed{source="media",tenant="acme"} 0\n');
    expect(text).toMatch(/^orgbackup_last_success_timestamp_seconds\{source="media",tenant="globex"\} \d+$/m);
  });

  it('dead webhook and SMTP servers do not change the exit code; the warning names no secret', async () => {
    const port = await deadPort();
    const file = await config({ hook: { type: 'webhook', url: `http://127.0.0.1:${port}/hooks/T0K3N-s3cr3t`, events: ['all'] }, mail: mailChannel(port) });
    const run = await runCli(['-c', file, 'create']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/notification channel "hook": ECONNREFUSED; giving up/);
    expect(run.stderr).toMatch(/notification channel "mail" failed: .*ECONNREFUSED/);
    expect(run.stderr + run.stdout).not.toContain('T0K3N');
    expect(run.stderr + run.stdout).not.toContain(PASSWORD);
  });
});
