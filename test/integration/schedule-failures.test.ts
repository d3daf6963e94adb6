/**
 * Unattended runs leave their reasons where an operator looks: the failure on stderr (what a cron
 * log keeps), in the `_state` record and in the next run's output; a metrics file that cannot be
 * written stops the run before any backup (exit 4); NDJSON lines keep `level` for the log level.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chown, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { TEST_UID, ensureTestUser, isRoot, openTempDir, runCliAs } from '../helpers/as-user.js';
import { writeConfig } from '../helpers/tmp.js';

interface Fixture {
  dir: string;
  config: string;
  cleanup(): Promise<void>;
}

async function fixture(): Promise<Fixture> {
  const tmp = await openTempDir('orgbackup-unattended-');
  await mkdir(path.join(tmp.dir, 'tenants', 'acme'), { recursive: true });
  await writeFile(path.join(tmp.dir, 'tenants', 'acme', 'data.txt'), 'data\n');
  const config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { media: { type: 'files', path: './tenants', tenants: { mode: 'directory' } } },
    storage: { local: { type: 'local', path: './backups' } },
    defaults: { storage: ['local'], compression: 'none', jobs: 1 },
    schedules: { nightly: { cron: '0 2 * * *', timezone: 'UTC' } },
  });
  return { dir: tmp.dir, config, cleanup: () => tmp.cleanup() };
}

const ndjson = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('unattended runs', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it('a failed schedule says why on stderr, in its _state record and in the next run', async () => {
    f = await fixture();
    await rename(path.join(f.dir, 'tenants'), path.join(f.dir, 'tenants-gone'));
    const failed = await runCli(['-c', f.config, '--json', 'schedule-run']);
    expect(failed.exitCode).toBe(4);
    const line = ndjson(failed.stderr).find((l) => l.event === 'schedule' && l.status === 'failed');
    expect(line?.level).toBe('error');
    expect(line?.msg).toMatch(
      /^schedule nightly \(all\) failed: 0 ok, 0 partial, 0 failed: preflight failed, nothing was written: ✗ source\.media\.path: .*tenants does not exist; fix: check sources\.media\.path/,
    );
    expect(line?.error).toMatch(/tenants does not exist/);

    const stateDir = path.join(f.dir, 'backups', '_state', 'schedules', 'nightly', 'all');
    const [stateFile] = await readdir(stateDir);
    const record = JSON.parse(await readFile(path.join(stateDir, stateFile!), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ status: 'failed', exitCode: 4, error: line?.error });

    // The next (forced) run starts by saying why the last one failed, in the log and in its JSON.
    await rename(path.join(f.dir, 'tenants-gone'), path.join(f.dir, 'tenants'));
    const next = await runCli(['-c', f.config, '--json', 'schedule-run', '--now']);
    expect(next.exitCode, next.stderr).toBe(0);
    const warned = ndjson(next.stderr).find((l) => l.lastRunStatus === 'failed');
    expect(warned).toMatchObject({ level: 'warn', lastRunError: line?.error });
    expect(warned?.msg).toBe(`schedule nightly (all): last run failed at ${String(record.startedAt)}: ${String(line?.error)}`);
    expect(next.json.schedules[0]).toMatchObject({ status: 'ok', lastRunStatus: 'failed', lastRunError: line?.error });

    // A run that is not due says nothing of the old failure: the last run is now the good one.
    const quiet = await runCli(['-c', f.config, 'schedule-run']);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stdout + quiet.stderr).not.toMatch(/last run failed/);
  });

  it('a not-due call shows the failure of the last run in its table', async () => {
    f = await fixture();
    await rename(path.join(f.dir, 'tenants'), path.join(f.dir, 'tenants-gone'));
    expect((await runCli(['-c', f.config, 'schedule-run'])).exitCode).toBe(4);
    const skipped = await runCli(['-c', f.config, 'schedule-run']);
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stdout).toMatch(/^nightly \(all\): last run failed at \S+: preflight failed, nothing was written: ✗ source\.media\.path: .* does not exist/m);
  });

  it('--metrics-file in a missing directory fails the preflight (exit 4) before any backup, with the fix', async () => {
    f = await fixture();
    const missing = path.join(f.dir, 'textfile', 'orgbackup.prom');
    const run = await runCli(['-c', f.config, 'schedule-run', '--metrics-file', missing]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain(`error: --metrics-file ${missing}: the directory ${path.dirname(missing)} does not exist`);
    expect(run.stderr).toMatch(new RegExp(`hint: create it: install -d -o \\S+ ${path.dirname(missing)}`));
    expect(await readdir(path.join(f.dir, 'backups')).catch(() => [])).toEqual([]);
  });

  it.skipIf(!isRoot)('--metrics-file in a directory the user cannot write fails the preflight (exit 4) (needs root to run as uid 1001; skipped otherwise)', async () => {
    await ensureTestUser();
    f = await fixture();
    await chown(path.join(f.dir, 'tenants'), TEST_UID, TEST_UID);
    await chown(f.dir, TEST_UID, TEST_UID);
    const textfile = path.join(f.dir, 'textfile');
    await mkdir(textfile, { mode: 0o755 }); // owned by root
    const run = await runCliAs(['-c', f.config, 'schedule-run', '--metrics-file', path.join(textfile, 'orgbackup.prom')], { uid: TEST_UID, cwd: f.dir });
    expect(run.exitCode, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/the directory .*textfile is not writable by \S+ \(EACCES\)/);
    expect(run.stderr).toMatch(/hint: let \S+ write there/);
  });

  it('NDJSON lines keep level for the log level; a verify level is verifyLevel', async () => {
    f = await fixture();
    const created = await runCli(['-c', f.config, '--json', 'create']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.json.archives[0].id as string;
    const dir = path.join(f.dir, 'backups', 'media', 'acme');
    const archive = (await readdir(dir)).find((n) => n.endsWith('.zip'))!;
    await writeFile(path.join(dir, archive), 'not the archive any more');
    const verified = await runCli(['-c', f.config, '--json', 'verify', id]);
    expect(verified.exitCode).toBe(5);
    const lines = ndjson(verified.stderr);
    for (const l of lines) expect(['debug', 'info', 'warn', 'error']).toContain(l.level);
    expect(lines.find((l) => l.event === 'verify')).toMatchObject({ level: 'error', status: 'failed', verifyLevel: 1 });
  });
});
