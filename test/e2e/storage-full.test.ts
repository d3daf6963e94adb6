/**
 * `create` onto a local storage whose filesystem fills up mid-write (a 1 MiB tmpfs; mounting needs
 * root): the failed tenant's error names the storage and the key, a hint says the filesystem is full
 * and what to do, no partial file is left, and a tenant that fits is stored and verifies.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/as-user.js';
import { runCli } from '../helpers/cli.js';
import { configWith } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
let mounted = '';
beforeEach(async () => {
  work = await tempDir('orgbackup-storage-full-');
});
afterEach(async () => {
  if (mounted) await execa('umount', [mounted]);
  mounted = '';
  await work.cleanup();
});

describe.skipIf(!isRoot)('create onto a full local storage (needs root to mount a tmpfs; skipped otherwise)', () => {
  it('names the storage, says it is full, leaves no partial file, and stores the tenant that fits', async () => {
    const tenants = path.join(work.dir, 'tenants');
    const store = path.join(work.dir, 'backups');
    await mkdir(path.join(tenants, 'acme'), { recursive: true });
    await mkdir(path.join(tenants, 'beta'), { recursive: true });
    await mkdir(store);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', store]);
    mounted = store;
    // Random bytes do not compress: 3 MB cannot fit in 1 MiB, 20 KB can.
    await writeFile(path.join(tenants, 'acme', 'big.bin'), randomBytes(3_000_000));
    await writeFile(path.join(tenants, 'beta', 'small.bin'), randomBytes(20_000));
    const config = await configWith(work.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });

    // One tenant at a time: in parallel, acme's half-written file could fill the disk under beta too.
    const res = await runCli(['-c', config, 'create', '--jobs', '1']);
    expect(res.exitCode).toBe(3);
    expect(res.stdout).toMatch(/failed +app\/acme\/\S+ .*storage "local": cannot write app\/acme\/\S+\.zip: ENOSPC/);
    expect(res.stdout).toContain(`: the filesystem holding ${store} is full; free space or prune old archives`);
    expect(res.stdout + res.stderr).not.toMatch(/internal error|\n {4}at /);

    const files = (await readdir(store, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    expect(files.filter((f) => f.includes('acme') || f.startsWith('.'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.zip'))).toHaveLength(1);
    const verified = await runCli(['-c', config, 'verify', '--all']);
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
  });
});
