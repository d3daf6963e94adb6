/**
 * The real thing: Debian's cron daemon runs the job line of examples/crontab every minute, and
 * archives appear. Needs root (to install the `cron` package and a file in /etc/cron.d).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BIN, ROOT } from '../helpers/cli.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const isRoot = process.getuid?.() === 0;
const CRON = '/usr/sbin/cron';

/** The every-minute schedule-run line of examples/crontab, pointed at this test's config and files. */
async function exampleJobLine(replacements: { binary: string; metrics: string; log: string }): Promise<string> {
  const crontab = await readFile(path.join(ROOT, 'examples/crontab'), 'utf8');
  const line = crontab.split('\n').find((l) => l.startsWith('* * * * *') && l.includes('schedule-run'));
  if (!line) throw new Error('examples/crontab has no every-minute schedule-run line');
  const command = line.slice('* * * * *'.length).trim();
  return command
    .replace(/^orgbackup /, `${replacements.binary} `)
    .replace('/var/lib/node_exporter/textfile/orgbackup.prom', replacements.metrics)
    .replace('/var/log/orgbackup/orgbackup.ndjson', replacements.log);
}

async function countArchives(backups: string): Promise<number> {
  let count = 0;
  for (const tenant of await readdir(path.join(backups, 'media')).catch(() => [] as string[])) {
    count += (await readdir(path.join(backups, 'media', tenant))).filter((n) => n.endsWith('.manifest.json')).length;
  }
  return count;
}

describe.skipIf(!isRoot)('schedule-run under the cron daemon (root only: installs the cron package and /etc/cron.d/ file)', () => {
  let dir: { dir: string; cleanup(): Promise<void> };
  let cronFile: string;
  let startedCron: number | undefined;

  beforeAll(async () => {
    if (!existsSync(CRON)) {
      await execa('apt-get', ['install', '-y', '-qq', 'cron'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
    }
    const running = await execa('pgrep', ['-x', 'cron'], { reject: false });
    if (running.exitCode !== 0) {
      await execa(CRON, []);
      // cron forks into the background and writes its pid file.
      for (let i = 0; i < 50 && !existsSync('/run/crond.pid'); i++) await new Promise((r) => setTimeout(r, 100));
      startedCron = Number((await readFile('/run/crond.pid', 'utf8')).trim());
    }
  }, 300_000);

  afterAll(async () => {
    if (cronFile) await rm(cronFile, { force: true });
    if (startedCron) process.kill(startedCron, 'SIGTERM');
    await dir?.cleanup();
  });

  it('archives appear within about two minutes of installing the crontab line', async () => {
    dir = await tempDir('orgbackup-cron-');
    await chmod(dir.dir, 0o755);
    for (const tenant of ['acme', 'globex']) {
      await mkdir(path.join(dir.dir, 'tenants', tenant), { recursive: true });
      await writeFile(path.join(dir.dir, 'tenants', tenant, 'data.txt'), `${tenant}\n`);
    }
    const config = await writeConfig(dir.dir, {
      version: 1,
      sources: { media: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
      storage: { local: { type: 'local', path: './backups' } },
      defaults: { storage: ['local'], compression: 'none' },
      schedules: { minutely: { cron: '* * * * *', timezone: 'UTC' } },
    });
    const log = path.join(dir.dir, 'orgbackup.ndjson');
    const metrics = path.join(dir.dir, 'orgbackup.prom');
    const command = await exampleJobLine({ binary: `${process.execPath} ${BIN}`, metrics, log });
    // /etc/cron.d lines carry a user; cron ignores file names with dots.
    cronFile = `/etc/cron.d/${uniqueName('orgbackup-e2e').replace(/[^A-Za-z0-9_-]/g, '-')}`;
    await writeFile(cronFile, `SHELL=/bin/sh\nPATH=/usr/local/bin:/usr/bin:/bin\nORGBACKUP_CONFIG=${config}\n* * * * * root ${command}\n`, { mode: 0o644 });

    const backups = path.join(dir.dir, 'backups');
    const deadline = Date.now() + 150_000;
    while ((await countArchives(backups)) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2000));
    const logText = await readFile(log, 'utf8').catch(() => '(no log)');
    expect(await countArchives(backups), `cron did not run schedule-run; log:\n${logText}`).toBeGreaterThanOrEqual(2);
    // The log is NDJSON and the metrics file says the run succeeded.
    for (const line of logText.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(logText).toContain('"schedule":"minutely"');
    expect(await readFile(metrics, 'utf8')).toContain('orgbackup_schedule_last_run_exit_code{schedule="minutely",shard="all"} 0\n');
  }, 200_000);
});
