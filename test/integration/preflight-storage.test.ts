/**
 * Local storage preflight as a non-root user (uid 1001 via setpriv) against the directories that
 * break backups in production. Each failing case: exit 4, the failing check id, the fix in the
 * hint, and nothing left behind in the target directory.
 */
import { chown, chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkById, ensureTestUser, failedIds, isRoot, openTempDir, runCliAs, TEST_GID, TEST_UID } from '../helpers/as-user.js';
import { writeConfig } from '../helpers/tmp.js';

const asUser = { uid: TEST_UID, gid: TEST_GID };

describe.skipIf(!isRoot)('preflight: local storage as uid 1001 (needs root to switch users and mount; skipped otherwise)', () => {
  let base: { dir: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    await ensureTestUser();
    base = await openTempDir();
    const tenant = path.join(base.dir, 'files', 'acme');
    await mkdir(tenant, { recursive: true, mode: 0o755 });
    await writeFile(path.join(tenant, 'a.txt'), 'hello\n', { mode: 0o644 });
  });
  afterAll(async () => base.cleanup());

  /** A config whose only storage is `storagePath`; world-readable so uid 1001 can load it. */
  async function configFor(storagePath: string, name: string): Promise<string> {
    const file = await writeConfig(
      base.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: path.join(base.dir, 'files'), tenants: { mode: 'directory' } } },
        storage: { local: { type: 'local', path: storagePath } },
      },
      `${name}.json`,
    );
    await chmod(file, 0o644);
    return file;
  }

  async function preflight(storagePath: string, name: string, command = ['preflight', '--json']) {
    const config = await configFor(storagePath, name);
    return runCliAs(['-c', config, ...command], asUser);
  }

  it('passes with exit 0 on a directory the user owns, and leaves it empty', async () => {
    const dir = path.join(base.dir, 'healthy');
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, TEST_UID, TEST_GID);
    const res = await preflight(dir, 'healthy');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(failedIds(res.json)).toEqual([]);
    expect(checkById(res.json, 'process.user')?.message).toContain(`uid ${TEST_UID}, gid ${TEST_GID}`);
    expect(checkById(res.json, 'storage.local.write')?.status).toBe('pass');
    expect(checkById(res.json, 'storage.local.path')?.message).toContain(`owner ${TEST_UID}:${TEST_GID}, mode 0700`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails a root-owned directory with the chown that fixes it', async () => {
    const dir = path.join(base.dir, 'root-owned');
    await mkdir(dir, { mode: 0o755 });
    const res = await preflight(dir, 'root-owned');
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['storage.local.write']);
    expect(checkById(res.json, 'storage.local.write')?.hint).toContain(`chown -R ${TEST_UID}:${TEST_GID} ${dir}`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops create with exit 4 before anything is written', async () => {
    const dir = path.join(base.dir, 'root-owned-create');
    await mkdir(dir, { mode: 0o755 });
    const res = await preflight(dir, 'root-owned-create', ['create']);
    expect(res.exitCode).toBe(4);
    expect(res.stderr).toContain('storage.local.write');
    expect(res.stderr).toContain(`chown -R ${TEST_UID}:${TEST_GID} ${dir}`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails a read-only directory the user owns with chmod u+rwx', async () => {
    const dir = path.join(base.dir, 'read-only');
    await mkdir(dir);
    await chown(dir, TEST_UID, TEST_GID);
    await chmod(dir, 0o555);
    const res = await preflight(dir, 'read-only');
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['storage.local.write']);
    expect(checkById(res.json, 'storage.local.write')?.hint).toContain(`chmod u+rwx ${dir}`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails a directory on a read-only mount and says so', async () => {
    const dir = path.join(base.dir, 'ro-mount');
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, TEST_UID, TEST_GID);
    await execa('mount', ['--bind', dir, dir]);
    try {
      await execa('mount', ['-o', 'remount,bind,ro', dir]);
      const res = await preflight(dir, 'ro-mount');
      expect(res.exitCode).toBe(4);
      expect(failedIds(res.json)).toEqual(['storage.local.write']);
      const check = checkById(res.json, 'storage.local.write');
      expect(check?.message).toContain('EROFS');
      expect(check?.hint).toContain('read-only filesystem');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await execa('umount', [dir]);
    }
  });

  it('fails a file where the directory should be, and leaves the file alone', async () => {
    const file = path.join(base.dir, 'a-file');
    await writeFile(file, 'not a directory\n');
    const res = await preflight(file, 'a-file');
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['storage.local.path']);
    expect(checkById(res.json, 'storage.local.path')?.hint).toContain(`mv ${file} ${file}.old`);
    expect(await readdir(base.dir)).toContain('a-file');
  });

  it('fails when a file blocks a missing parent', async () => {
    const file = path.join(base.dir, 'blocking-file');
    await writeFile(file, 'x');
    const res = await preflight(path.join(file, 'backups'), 'blocking');
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['storage.local.path']);
    expect(checkById(res.json, 'storage.local.path')?.hint).toContain(`mv ${file} ${file}.old`);
  });

  it('passes a missing directory the user can create, and creates nothing', async () => {
    const parent = path.join(base.dir, 'creatable');
    await mkdir(parent, { mode: 0o700 });
    await chown(parent, TEST_UID, TEST_GID);
    const res = await preflight(path.join(parent, 'deep', 'backups'), 'creatable');
    expect(res.exitCode, res.stdout).toBe(0);
    expect(checkById(res.json, 'storage.local.path')?.message).toContain('does not exist yet');
    expect(checkById(res.json, 'storage.local.write')?.message).toContain(`created and removed a probe directory in ${parent}`);
    expect(await readdir(parent)).toEqual([]);
  });

  it('fails a missing directory under a root-owned parent with mkdir and chown', async () => {
    const parent = path.join(base.dir, 'root-parent');
    await mkdir(parent, { mode: 0o755 });
    const target = path.join(parent, 'missing', 'backups');
    const res = await preflight(target, 'root-parent');
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['storage.local.write']);
    expect(checkById(res.json, 'storage.local.write')?.hint).toContain(`mkdir -p ${target} && chown -R ${TEST_UID}:${TEST_GID} ${target}`);
    expect(await readdir(parent)).toEqual([]);
  });

  it('fails a root-owned volume mount with the Dockerfile line and fsGroup', async () => {
    const dir = path.join(base.dir, 'volume');
    await mkdir(dir, { mode: 0o755 });
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', dir]);
    try {
      const res = await preflight(dir, 'volume');
      expect(res.exitCode).toBe(4);
      expect(failedIds(res.json)).toEqual(['storage.local.write']);
      expect(checkById(res.json, 'storage.local.path')?.message).toContain('a mount point (tmpfs)');
      const hint = checkById(res.json, 'storage.local.write')?.hint ?? '';
      expect(hint).toContain(`RUN mkdir -p ${dir} && chown ${TEST_UID}:${TEST_GID} ${dir}`);
      expect(hint).toContain(`securityContext.fsGroup: ${TEST_GID}`);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await execa('umount', [dir]);
    }
  });

  it('warns about one unreadable tenant directory, and create backs up the others (exit 3)', async () => {
    const files = path.join(base.dir, 'tenant-files');
    for (const tenant of ['open', 'locked']) {
      await mkdir(path.join(files, tenant), { recursive: true, mode: 0o755 });
      await writeFile(path.join(files, tenant, 'x.txt'), tenant, { mode: 0o644 });
    }
    await chmod(path.join(files, 'locked'), 0o700);
    const storage = path.join(base.dir, 'tenant-files-backups');
    await mkdir(storage, { mode: 0o700 });
    await chown(storage, TEST_UID, TEST_GID);
    const config = await writeConfig(
      base.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: files, tenants: { mode: 'directory' } } },
        storage: { local: { type: 'local', path: storage } },
      },
      'tenant-files.json',
    );
    await chmod(config, 0o644);
    const res = await runCliAs(['-c', config, 'preflight', '--json'], asUser);
    expect(res.exitCode, res.stdout).toBe(0);
    const warning = checkById(res.json, 'tenant.media/locked.path');
    expect(warning?.status).toBe('warn');
    expect(warning?.message).toContain('this tenant will fail, the others are backed up');
    const created = await runCliAs(['-c', config, 'create', '--json'], asUser);
    expect(created.exitCode, created.stderr).toBe(3);
    const statuses = Object.fromEntries((created.json.archives as { tenant: string; status: string }[]).map((a) => [a.tenant, a.status]));
    expect(statuses).toEqual({ open: 'ok', locked: 'failed' });
  });

  it('prints a checklist with ✓, ! and ✗ without --json', async () => {
    const dir = path.join(base.dir, 'root-owned-text');
    await mkdir(dir, { mode: 0o755 });
    const config = await configFor(dir, 'text');
    const res = await runCliAs(['-c', config, 'preflight'], { ...asUser, umask: '022' });
    expect(res.exitCode).toBe(4);
    expect(res.stdout).toMatch(/^✓ process\.user/m);
    expect(res.stdout).toMatch(/^! process\.umask .*group-readable/m);
    expect(res.stdout).toMatch(/^✗ storage\.local\.write .*EACCES/m);
    expect(res.stdout).toContain(`fix: as root: \`chown -R ${TEST_UID}:${TEST_GID} ${dir}\``);
    expect(res.stdout).toMatch(/preflight for create failed: \d+ passed, 1 warning\(s\), 1 failed/);
  });
});
