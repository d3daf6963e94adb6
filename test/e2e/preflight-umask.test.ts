/**
 * The umask check end to end, as uid 1001: umask 000 is a warning (not a failure) of `preflight`
 * and only a debug line of create, and umask 077 passes; either way create writes archives 0600
 * and directories 0700.
 */
import { chmod, chown, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkById, ensureTestUser, isRoot, openTempDir, runCliAs, TEST_GID, TEST_UID } from '../helpers/as-user.js';
import { writeConfig } from '../helpers/tmp.js';

describe.skipIf(!isRoot)('preflight: umask (needs root to run as uid 1001; skipped otherwise)', () => {
  let base: { dir: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    await ensureTestUser();
    base = await openTempDir();
    const tenant = path.join(base.dir, 'files', 'acme');
    await mkdir(tenant, { recursive: true, mode: 0o755 });
    await writeFile(path.join(tenant, 'invoice.txt'), 'total 10\n', { mode: 0o644 });
  });
  afterAll(async () => base.cleanup());

  async function setup(name: string): Promise<{ config: string; storage: string }> {
    const parent = path.join(base.dir, name);
    await mkdir(parent, { mode: 0o755 });
    await chown(parent, TEST_UID, TEST_GID);
    const storage = path.join(parent, 'backups');
    const config = await writeConfig(
      base.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: path.join(base.dir, 'files'), tenants: { mode: 'directory' } } },
        storage: { local: { type: 'local', path: storage } },
      },
      `${name}.json`,
    );
    await chmod(config, 0o644);
    return { config, storage };
  }

  /** Mode of every file and directory under `root` (root included), relative path -> octal. */
  async function modes(root: string): Promise<Record<string, string>> {
    const out: Record<string, string> = { '.': ((await stat(root)).mode & 0o777).toString(8) };
    for (const rel of await readdir(root, { recursive: true })) out[rel] = ((await stat(path.join(root, rel))).mode & 0o777).toString(8);
    return out;
  }

  it.each([
    { umask: '000', status: 'warn' },
    { umask: '077', status: 'pass' },
  ])('umask $umask: the check is $status and archives are 0600 in 0700 directories', async ({ umask, status }) => {
    const { config, storage } = await setup(`umask-${umask}`);
    const asUser = { uid: TEST_UID, gid: TEST_GID, umask };
    const report = await runCliAs(['-c', config, 'preflight', '--json'], asUser);
    expect(report.exitCode, report.stdout).toBe(0);
    const check = checkById(report.json, 'process.umask');
    expect(check?.status).toBe(status);
    expect(check?.message).toContain(`umask 0${umask}`);
    if (status === 'warn') expect(check?.hint).toContain('umask 0077');

    // create does not repeat the warning (cron logs would fill with it); -v shows it as a debug line.
    const created = await runCliAs(['-c', config, 'create'], asUser);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stderr).not.toContain('umask');
    const found = await modes(storage);
    const files = Object.entries(found).filter(([rel]) => rel.endsWith('.zip') || rel.endsWith('.manifest.json'));
    expect(files).toHaveLength(2);
    for (const [rel, mode] of Object.entries(found)) expect({ rel, mode }).toEqual({ rel, mode: files.some(([f]) => f === rel) ? '600' : '700' });
    const verbose = await runCliAs(['-c', config, '-v', 'create'], asUser);
    expect(verbose.exitCode, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(status === 'warn' ? /^debug preflight process\.umask: umask 0000/m : /^debug preflight process\.umask: umask 0077: new files are private/m);
  });
});
