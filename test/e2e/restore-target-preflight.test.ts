/**
 * restore --target <dir> as a non-root user: preflight checks where the files will go, not the
 * source's own directory (which a --target restore never touches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, chown, cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { TEST_GID, TEST_UID, ensureTestUser, isRoot, openTempDir, runCliAs } from '../helpers/as-user.js';
import { writeConfig } from '../helpers/tmp.js';

describe.skipIf(!isRoot)('restore --target preflight as uid 1001 (needs root to switch users; skipped otherwise)', () => {
  let tmp: Awaited<ReturnType<typeof openTempDir>>;
  let config: string;
  beforeAll(async () => {
    await ensureTestUser();
    tmp = await openTempDir();
    const source = path.join(tmp.dir, 'tenants');
    await cp(path.join(ROOT, 'examples/tenants'), source, { recursive: true });
    // The source directory belongs to root: uid 1001 could not restore into it in place.
    await chmod(source, 0o755);
    await mkdir(path.join(tmp.dir, 'backups'));
    await chown(path.join(tmp.dir, 'backups'), TEST_UID, TEST_GID);
    config = await writeConfig(tmp.dir, {
      version: 1,
      sources: { uploads: { type: 'files', path: source, tenants: { mode: 'directory' } } },
      storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } },
    });
    await chmod(config, 0o644);
    const created = await runCliAs(['-c', config, 'create', '--source', 'uploads', '--tenant', 'acme'], { uid: TEST_UID });
    expect(created.exitCode, created.stderr).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('refuses a target under a directory it may not write, naming that directory (exit 4)', async () => {
    const readOnly = path.join(tmp.dir, 'read-only');
    await mkdir(readOnly, { mode: 0o555 });
    const out = await runCliAs(['-c', config, 'restore', 'latest', '--source', 'uploads', '--tenant', 'acme', '--target', path.join(readOnly, 'acme'), '--yes'], { uid: TEST_UID });
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toContain(`may not write ${readOnly}, where restore would build`);
  });

  it('restores into a writable target although the source directory is root-owned', async () => {
    const writable = path.join(tmp.dir, 'mine');
    await mkdir(writable);
    await chown(writable, TEST_UID, TEST_GID);
    const target = path.join(writable, 'new', 'acme');
    const out = await runCliAs(['-c', config, 'restore', 'latest', '--source', 'uploads', '--tenant', 'acme', '--target', target, '--yes'], { uid: TEST_UID });
    expect(out.exitCode, out.stderr).toBe(0);
    expect(await readFile(path.join(target, 'profile.csv'), 'utf8')).toBe(await readFile(path.join(ROOT, 'examples/tenants/acme/profile.csv'), 'utf8'));
  });
});
