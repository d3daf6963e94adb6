/**
 * File names that are legal on Linux but awkward elsewhere (newline, backslash), through the built
 * binary: they are archived, SHA256SUMS lists them as GNU sha256sum does (so `sha256sum -c` over a
 * stock `unzip -^` extraction passes), verify accepts them, and a restore brings them back byte-exact.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unescapedSha256sums } from '../../src/archive/manifest.js';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { configWith, createArchives } from '../helpers/restore.js';
import { snapshot, tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function filesTenant(files: Record<string, string>): Promise<{ dir: string; tenants: string; config: string }> {
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  const tenants = path.join(tmp.dir, 'tenants');
  await mkdir(path.join(tenants, 'acme'), { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tenants, 'acme', name)), { recursive: true });
    await writeFile(path.join(tenants, 'acme', name), body);
  }
  const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
  return { dir: tmp.dir, tenants, config };
}

/** Stock unzip (`-^` keeps control characters in names) into `out`. */
async function unzipArchive(dir: string, id: string, out: string): Promise<void> {
  await execa('unzip', ['-q', '-^', path.join(dir, 'backups', `${id}.zip`), '-d', out]);
}

describe('file names with a newline', () => {
  it('are listed in SHA256SUMS so that sha256sum -c passes on the extracted archive', async () => {
    const { dir, config } = await filesTenant({ 'plain.txt': 'plain', 'notes\nv2.txt': 'two lines in a name', 'sub/more\nlines\n.csv': 'a,b' });
    const [id] = await createArchives(config, ['--source', 'app']);
    const out = path.join(dir, 'unzipped');
    await unzipArchive(dir, id!, out);
    const sums = await readFile(path.join(out, 'SHA256SUMS'), 'utf8');
    expect(sums.split('\n').filter(Boolean)).toHaveLength(3);
    const check = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, reject: false });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).not.toContain('FAILED');

    const verified = await runCli(['-c', config, '--json', 'verify', id!]);
    expect(verified.exitCode, verified.stderr).toBe(0);
    // Archives written before names were escaped hold the names raw: they still verify.
    const legacy = await doctorArchive(path.join(dir, 'backups'), id!, () => undefined, undefined, unescapedSha256sums);
    const legacySums = await execa('unzip', ['-p', path.join(dir, 'backups', `${legacy}.zip`), 'SHA256SUMS']);
    expect(legacySums.stdout).toContain('  files/notes\nv2.txt');
    const verifiedLegacy = await runCli(['-c', config, '--json', 'verify', legacy]);
    expect(verifiedLegacy.exitCode, verifiedLegacy.stderr).toBe(0);
  });
});

describe('file names with a backslash', () => {
  it('are archived, verified and restored byte-exact (a stock unzip sees %5C, never a separator)', async () => {
    const files = {
      'scan\\2026.png': 'scan',
      'C:\\Users\\ana\\report.txt': 'windows path as one name',
      'sub/a\\b': 'backslash in a subdirectory',
      'sub/a%5Cb': 'a real name equal to the encoded one',
      '..\\..\\outside.txt': 'hostile name, still one file inside the tenant',
      'plain.txt': 'plain',
    };
    const { dir, tenants, config } = await filesTenant(files);
    const acme = path.join(tenants, 'acme');
    const archived = await snapshot(acme);
    expect(Object.keys(archived).sort()).toEqual(Object.keys(files).sort());

    const created = await runCli(['-c', config, '--json', 'create', '--source', 'app']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.json.archives[0].id as string;
    const out = path.join(dir, 'unzipped');
    await unzipArchive(dir, id, out);
    const unzipped = Object.keys(await snapshot(out));
    expect(
      unzipped.every((name) => !name.includes('\\')),
      unzipped.join(', '),
    ).toBe(true);
    expect(unzipped.filter((name) => name.startsWith('files/'))).toHaveLength(6);
    const check = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, reject: false });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect((await runCli(['-c', config, 'verify', id])).exitCode).toBe(0);

    await rm(acme, { recursive: true });
    await mkdir(acme);
    await writeFile(path.join(acme, 'other.txt'), 'replaced');
    const restored = await runCli(['-c', config, '--json', 'restore', id, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await snapshot(acme)).toEqual(archived);
    expect(await readdir(tenants)).toEqual(['acme']);
  });
});

describe('a tenant directory name of 255 bytes (NAME_MAX)', () => {
  it('backs up and restores in place (the staging and old names beside it are shortened to fit)', async () => {
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const tenants = path.join(tmp.dir, 'tenants');
    const name = 'n'.repeat(255);
    const tenantDir = path.join(tenants, name);
    await mkdir(path.join(tenantDir, 'sub'), { recursive: true });
    await writeFile(path.join(tenantDir, 'a.txt'), 'a');
    await writeFile(path.join(tenantDir, 'sub/b.txt'), 'b');
    const archived = await snapshot(tenantDir);
    const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const [id] = await createArchives(config, ['--source', 'app']);
    await writeFile(path.join(tenantDir, 'a.txt'), 'changed');
    await rm(path.join(tenantDir, 'sub'), { recursive: true });
    const restored = await runCli(['-c', config, '--json', 'restore', id!, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await snapshot(tenantDir)).toEqual(archived);
    expect(await readdir(tenants)).toEqual([name]);
  });
});
