/**
 * A files archive whose entries collide (`files/x` and `files/x/y`: x would be a file and a
 * directory) cannot be written by create; a doctored one, with every checksum recomputed, must
 * fail verify at level 2 naming both entries, and a restore must refuse it (exit 5) before it
 * writes anything: the tenant directory as it was, no staging directory left beside it.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { configWith, createArchives, verifyJson } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256sums } from '../../src/archive/manifest.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  work = await tempDir('orgbackup-colliding-');
});
afterEach(async () => {
  await work.cleanup();
});

describe('files archive with colliding entry names', () => {
  it('fails verify at level 2 and is refused by restore, which changes nothing', async () => {
    const tenants = path.join(work.dir, 'tenants');
    await mkdir(path.join(tenants, 'acme', 'w'), { recursive: true });
    await writeFile(path.join(tenants, 'acme', 'x'), 'file x');
    await writeFile(path.join(tenants, 'acme', 'w', 'y'), 'file w/y');
    const config = await configWith(work.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    const rename = (name: string) => (name === 'files/w/y' ? 'files/x/y' : name);
    const doctored = await doctorArchive(
      path.join(work.dir, 'backups'),
      id!,
      (manifest) => {
        manifest.entries = manifest.entries.map((e) => ({ ...e, name: rename(e.name) }));
      },
      undefined,
      sha256sums,
      rename,
    );

    const verified = await runCli(['-c', config, '--json', 'verify', doctored]);
    expect(verified.exitCode, verified.stdout).toBe(5);
    const [item] = verifyJson(verified);
    expect(item!.failedLevel).toBe(2);
    expect(item!.levels).toEqual([1]);
    expect(item!.error).toMatch(/entries files\/x and files\/x\/y collide/);

    await writeFile(path.join(tenants, 'acme', 'x'), 'changed since');
    for (const args of [['--yes', '--no-safety-backup'], ['--yes'], ['--dry-run']]) {
      const restored = await runCli(['-c', config, 'restore', doctored, ...args]);
      expect(restored.exitCode, restored.stderr).toBe(5);
      expect(restored.stderr).toMatch(/entries files\/x and files\/x\/y collide/);
      expect(restored.stderr).not.toMatch(/internal error|\n {4}at /);
    }
    expect(await readFile(path.join(tenants, 'acme', 'x'), 'utf8')).toBe('changed since');
    expect(await readFile(path.join(tenants, 'acme', 'w', 'y'), 'utf8')).toBe('file w/y');
    expect((await readdir(tenants)).sort()).toEqual(['acme']);
  });
});
