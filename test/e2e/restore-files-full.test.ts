/**
 * A files restore onto a full filesystem (a 1 MiB tmpfs holding the tenant directory; mounting
 * needs root): a clear error naming the target, the space the files need and what is free, not
 * an internal error; the tenant directory as it was and no staging directory left beside it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/as-user.js';
import { runCli } from '../helpers/cli.js';
import { configWith, createArchives } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
let mounted = '';
beforeEach(async () => {
  work = await tempDir('orgbackup-files-full-');
});
afterEach(async () => {
  if (mounted) await execa('umount', [mounted]);
  mounted = '';
  await work.cleanup();
});

describe.skipIf(!isRoot)('files restore onto a full filesystem (needs root to mount a tmpfs; skipped otherwise)', () => {
  it('says where and how much space is needed, and changes nothing', async () => {
    const tenants = path.join(work.dir, 'tenants');
    await mkdir(tenants);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tenants]);
    mounted = tenants;
    const acme = path.join(tenants, 'acme');
    await mkdir(acme);
    const data = randomBytes(600 * 1024);
    await writeFile(path.join(acme, 'big.bin'), data);
    await writeFile(path.join(acme, 'note.txt'), 'archived');
    const config = await configWith(work.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    await writeFile(path.join(acme, 'note.txt'), 'changed since');

    // The current directory (600 KiB) stays until the new copy is complete: 1 MiB cannot hold both.
    const restored = await runCli(['-c', config, 'restore', id!, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(1);
    expect(restored.stderr).toContain(`cannot restore into ${acme}: the filesystem holding ${tenants} is full (ENOSPC)`);
    expect(restored.stderr).toMatch(/the archive's 2 files need 600\.\d KiB there, [\d.]+ KiB are free; nothing was changed/);
    expect(restored.stderr).not.toMatch(/internal error|\n {4}at /);
    expect(await readFile(path.join(acme, 'note.txt'), 'utf8')).toBe('changed since');
    expect((await readFile(path.join(acme, 'big.bin'))).equals(data)).toBe(true);
    expect(await readdir(tenants)).toEqual(['acme']);
  });
});
