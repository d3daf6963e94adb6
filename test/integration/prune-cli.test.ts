/**
 * prune through the built binary, as cron would run it: --dry-run changes nothing, the newest
 * archive survives any policy, a held storage lock means exit 75 naming the holder, and of two
 * overlapping prunes one gets 75. Archives are real (create with an injected clock).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';
import { listArchives } from '../../src/archive/catalog.js';
import { sidecarKey } from '../../src/archive/layout.js';
import { runPrune } from '../../src/commands/prune.js';
import { acquireLock } from '../../src/schedule/lock.js';
import type { Storage } from '../../src/storage/types.js';
import { BIN, runCli } from '../helpers/cli.js';
import { cloneArchive, filesUnder, makeArchive, makeLab, type Lab } from '../helpers/timeline.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();
const statusLines = (json: unknown) => (json as { archives: { status: string; reasons: string[] }[] }).archives.map((a) => `${a.status} ${a.reasons.join(',')}`);

describe('prune (built binary, local storage)', () => {
  let lab: Lab;
  let storage: Storage;

  beforeEach(async () => {
    lab = await makeLab(['acme'], { retention: { keepLast: 2 } });
    storage = await lab.storage();
    for (const n of [5, 4, 3, 2]) await makeArchive(lab, { tenant: 'acme', at: daysAgo(n) });
  });
  afterEach(async () => lab.cleanup());

  it('--dry-run --json lists the plan and deletes nothing', async () => {
    const before = await filesUnder(path.join(lab.dir, 'backups'));
    const run = await runCli(['-c', lab.configPath, '--json', 'prune', '--dry-run']);
    expect(run.exitCode).toBe(0);
    expect(run.json.dryRun).toBe(true);
    expect(statusLines(run.json)).toEqual(['kept last 1', 'kept last 2', 'would-remove not kept by any rule', 'would-remove not kept by any rule']);
    expect(await filesUnder(path.join(lab.dir, 'backups'))).toEqual(before);
  });

  it('prints the plan table, removes, and a later list shows the kept archives only', async () => {
    const run = await runCli(['-c', lab.configPath, 'prune']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/ACTION\s+ARCHIVE\s+STORAGE\s+SIZE\s+POLICY\s+REASON/);
    expect(run.stdout).toMatch(/keep\s+media\/acme\/\S+\s+local\s+.*default\s+last 1/);
    expect(run.stdout).toMatch(/removed\s+media\/acme\/\S+\s+local\s+.*not kept by any rule/);
    expect(run.stdout).toContain('2 kept, removed 2');
    const list = await runCli(['-c', lab.configPath, '--json', 'list']);
    expect(list.json.archives).toHaveLength(2);
  });

  it('never removes the newest archive, whatever the policy', async () => {
    const config = path.join(lab.dir, 'within.json');
    const { writeFile, readFile } = await import('node:fs/promises');
    const raw = JSON.parse(await readFile(lab.configPath, 'utf8'));
    await writeFile(config, JSON.stringify({ ...raw, retention: { keepWithin: '1h' } }));
    const run = await runCli(['-c', config, '--json', 'prune']);
    expect(run.exitCode).toBe(0);
    expect(statusLines(run.json)).toEqual(['kept newest', 'removed not kept by any rule', 'removed not kept by any rule', 'removed not kept by any rule']);
    expect(await listArchives(storage, {})).toHaveLength(1);
  });

  it('exits 75 naming the holder while another run holds the storage lock, and runs once it is released', async () => {
    const lease = await acquireLock(storage, 'storage', { owner: 'schedule-run nightly', renewEveryMs: false });
    try {
      const busy = await runCli(['-c', lab.configPath, 'prune']);
      expect(busy.exitCode).toBe(75);
      expect(busy.stderr).toContain(`locked by schedule-run nightly (host ${os.hostname()}, pid ${process.pid})`);
      expect(await listArchives(storage, {})).toHaveLength(4);
      // A dry run only reads: it does not need the lock.
      expect((await runCli(['-c', lab.configPath, 'prune', '--dry-run'])).exitCode).toBe(0);
    } finally {
      await lease.release();
    }
    expect((await runCli(['-c', lab.configPath, 'prune'])).exitCode).toBe(0);
    expect(await listArchives(storage, {})).toHaveLength(2);
  });

  it('of two overlapping prunes, one prunes and the other exits 75', async () => {
    // The first prune is frozen (SIGSTOP) as soon as it holds the storage lock, so the second
    // surely asks while it is held, however loaded the machine; then the first is let go.
    const template = (await listArchives(storage, {}))[0]!.id;
    const start = Date.now() - 400 * DAY;
    for (let i = 0; i < 400; i++) await cloneArchive(storage, template, 'acme', new Date(start + i * 3_600_000));
    const spawn = () => execa(process.execPath, [BIN, '-c', lab.configPath, '--json', 'prune'], { reject: false, env: { NO_COLOR: '1' } });
    const first = spawn();
    let held = false;
    for (let i = 0; i < 4000 && !held && first.exitCode === null; i++) {
      held = await storage.exists('_locks/storage/lease.json');
      if (!held) await new Promise((r) => setTimeout(r, 5));
    }
    expect(held, 'the first prune took the lock').toBe(true);
    first.kill('SIGSTOP');
    let second;
    try {
      second = await spawn();
    } finally {
      first.kill('SIGCONT');
    }
    const a = await first;
    expect(a.exitCode, String(a.stderr)).toBe(0);
    expect(second.exitCode, String(second.stderr)).toBe(75);
    expect(String(second.stderr)).toContain('locked by prune');
    expect(await listArchives(storage, {})).toHaveLength(2);
  });
});

describe('prune refuses a bad retention config before doing anything', () => {
  it.each([
    [{ keepDaily: 3, timezone: 'Mars/Olympus' }, 'retention.timezone: "Mars/Olympus" is not a time zone'],
    [{ keepWithin: 'a while' }, 'retention.keepWithin: a duration such as 90s, 36h, 30d or 1y'],
    [{ plans: { query: 'SELECT 1', source: 'nowhere' } }, 'retention.plans.source: unknown source "nowhere"'],
  ])('%j', async (retention, message) => {
    const lab = await makeLab(['acme'], { retention });
    try {
      const run = await runCli(['-c', lab.configPath, 'prune']);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(message);
    } finally {
      await lab.cleanup();
    }
  });
});

describe('prune deletes the sidecar first (injected fault)', () => {
  it('an archive whose object could not be deleted is no longer listed as complete, and the run exits 3', async () => {
    const lab = await makeLab(['acme'], { retention: { keepLast: 1 } });
    try {
      for (const n of [3, 2, 1]) await makeArchive(lab, { tenant: 'acme', at: daysAgo(n) });
      const real = await lab.storage();
      // The fault: deleting archive objects fails (a permission problem, a flaky remote); sidecars delete fine.
      const faulty: Storage = {
        name: real.name,
        type: real.type,
        location: real.location,
        put: (k, b, o) => real.put(k, b, o),
        get: (k, o) => real.get(k, o),
        getBuffer: (k, o) => real.getBuffer(k, o),
        exists: (k, o) => real.exists(k, o),
        list: (p, o) => real.list(p, o),
        delete: async (key, o) => {
          if (key.endsWith('.zip')) throw new Error('EACCES: permission denied');
          return real.delete(key, o);
        },
      };
      const ctx = { ...lab.ctx(new Date()), storage: async () => faulty };
      const result = await runPrune({ skipPreflight: true }, ctx);
      expect(result.exitCode).toBe(3);
      expect(result.archives.map((a) => a.status)).toEqual(['kept', 'failed', 'failed']);
      expect(result.archives[1]!.error).toContain('EACCES');
      const listings = await listArchives(real, {});
      expect(listings.filter((l) => l.complete).map((l) => l.id)).toEqual([result.archives[0]!.id]);
      for (const failed of result.archives.slice(1)) expect(await real.exists(sidecarKey(failed.id))).toBe(false);
      // The next prune (fault gone) removes the leftovers once they are an hour old.
      const later = await runPrune({ skipPreflight: true }, lab.ctx(new Date(Date.now() + 2 * 3_600_000)));
      expect(later.archives.filter((a) => a.status === 'removed').map((a) => a.reasons[0]!.split(' since')[0])).toEqual(['incomplete (no sidecar)', 'incomplete (no sidecar)']);
      expect(await listArchives(real, {})).toHaveLength(1);
    } finally {
      await lab.cleanup();
    }
  });
});
