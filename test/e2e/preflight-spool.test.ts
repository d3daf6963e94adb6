/**
 * Preflight checks the temp dir against the upload spool (issue 22): an upload to S3/rclone keeps
 * its archive in the temp dir until it is done, one per concurrent upload (2 x jobs). With TMPDIR on
 * a 4 MiB tmpfs (mounting needs root), three tenants of 1.5 MB each fit one at a time but not
 * three at once: preflight fails naming TMPDIR and the fix, and passes with --jobs 1.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/as-user.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
let mounted = '';
beforeEach(async () => {
  work = await tempDir('orgbackup-preflight-spool-');
});
afterEach(async () => {
  if (mounted) await execa('umount', [mounted]);
  mounted = '';
  await work.cleanup();
});

interface Check {
  id: string;
  status: string;
  message: string;
  hint?: string;
}

describe.skipIf(!isRoot)('preflight: temp space for the upload spool (needs root to mount a tmpfs; skipped otherwise)', () => {
  it('fails when the concurrent uploads cannot spool their archives, naming TMPDIR and the fix; passes with fewer jobs', async () => {
    const tenants = path.join(work.dir, 'tenants');
    for (const tenant of ['acme', 'beta', 'gamma']) {
      await mkdir(path.join(tenants, tenant), { recursive: true });
      // Random bytes do not compress: each archive is about 1.5 MB.
      await writeFile(path.join(tenants, tenant, 'blob.bin'), randomBytes(1_500_000));
    }
    const rcloneConfig = path.join(work.dir, 'rclone.conf');
    await writeFile(rcloneConfig, '[disk]\ntype = local\n', { mode: 0o600 });
    const config = await writeConfig(work.dir, {
      version: 1,
      sources: { media: { type: 'files', path: tenants, tenants: { mode: 'directory' } } },
      storage: { offsite: { type: 'rclone', remote: `disk:${path.join(work.dir, 'remote')}`, configFile: rcloneConfig } },
      defaults: { compression: 'none', jobs: 2 },
    });
    // The first run, with room to spare, gives the firm figures (each tenant's newest archive).
    const first = await runCli(['-c', config, 'create']);
    expect(first.exitCode, first.stderr).toBe(0);

    const tmpdir = path.join(work.dir, 'tmp');
    await mkdir(tmpdir);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', tmpdir]);
    mounted = tmpdir;
    const env = { TMPDIR: tmpdir };

    const report = await runCli(['-c', config, '--json', 'preflight', '--for', 'create'], { env });
    expect(report.exitCode, report.stdout + report.stderr).toBe(4);
    const checks = (report.json as { checks: Check[] }).checks;
    // One archive fits: the older check alone does not see it.
    expect(checks.find((c) => c.id === 'temp.space')?.status).toBe('pass');
    const spool = checks.find((c) => c.id === 'temp.spool')!;
    expect(spool.status).toBe('fail');
    expect(spool.message).toContain(`in the temp directory ${tmpdir} (TMPDIR)`);
    expect(spool.message).toMatch(/upload spool for "offsite": one archive per upload, up to 4 at once with --jobs 2/);
    expect(spool.hint).toMatch(/set TMPDIR to a directory on a filesystem with about 4\.\d MiB free.*or lower --jobs/);

    const created = await runCli(['-c', config, 'create', '--jobs', '1'], { env });
    expect(created.exitCode, created.stdout + created.stderr).toBe(0);
  });
});
