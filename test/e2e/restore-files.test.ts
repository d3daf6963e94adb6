/**
 * Restoring a files tenant through the built binary: the directory comes back exactly as archived,
 * the safety backup's rollback restores what was there before, --target clones without touching
 * the tenant and refuses a non-empty directory unless --force, and --dry-run changes nothing.
 */
import { chmod, cp, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { configWith, createArchives } from '../helpers/restore.js';
import { snapshot, tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('restore, files', () => {
  it('restores a tenant directory exactly, rolls back, and clones with --target', async () => {
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const tenants = path.join(tmp.dir, 'tenants');
    await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
    const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    const acme = path.join(tenants, 'acme');
    const archived = await snapshot(acme);
    const globex = await snapshot(path.join(tenants, 'globex'));

    await rm(path.join(acme, 'profile.csv'));
    await writeFile(path.join(acme, 'invoices', '2026-001.txt'), 'edited');
    await writeFile(path.join(acme, 'new.txt'), 'added');
    const edited = await snapshot(acme);

    const dry = await runCli(['-c', config, 'restore', id!, '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`replace directory ${acme}`);
    expect(await snapshot(acme)).toEqual(edited);

    const res = await runCli(['-c', config, '--json', 'restore', id!, '--yes']);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await snapshot(acme)).toEqual(archived);
    expect(await snapshot(path.join(tenants, 'globex'))).toEqual(globex);

    const back = await runCli(['--json', ...(res.json.safetyBackup.rollback as string).replace(/^orgbackup /, '').split(' ')]);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await snapshot(acme)).toEqual(edited);

    const clone = path.join(tmp.dir, 'clone');
    const planClone = await runCli(['-c', config, 'restore', id!, '--target', clone, '--dry-run']);
    expect(planClone.exitCode, planClone.stderr).toBe(0);
    expect(planClone.stdout).toContain(`create directory ${clone} with`);
    expect(planClone.stdout).not.toContain('replace directory');
    const cloned = await runCli(['-c', config, 'restore', id!, '--target', clone, '--yes']);
    expect(cloned.exitCode, cloned.stderr).toBe(0);
    expect(await snapshot(clone)).toEqual(archived);
    expect(await snapshot(acme)).toEqual(edited);

    const occupied = path.join(tmp.dir, 'occupied');
    await mkdir(occupied);
    await writeFile(path.join(occupied, 'keep.txt'), 'mine');
    const planned = await runCli(['-c', config, 'restore', id!, '--target', occupied, '--dry-run']);
    expect(planned.exitCode, planned.stderr).toBe(0);
    expect(planned.stdout).toContain('the restore refuses it without --force');
    const refused = await runCli(['-c', config, 'restore', id!, '--target', occupied, '--yes']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('already holds 1 entry');
    expect(await snapshot(occupied)).toEqual({ 'keep.txt': 'mine' });
    const forced = await runCli(['-c', config, 'restore', id!, '--target', occupied, '--yes', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await snapshot(occupied)).toEqual(archived);
  });

  it('gives files back their permission bits and modification times, and the directory its mode', async () => {
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const tenants = path.join(tmp.dir, 'tenants');
    await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
    const acme = path.join(tenants, 'acme');
    const then = new Date('2025-03-04T05:06:07.000Z');
    const modes: Record<string, number> = { 'profile.csv': 0o640, 'invoices/2026-001.txt': 0o755 };
    for (const [file, mode] of Object.entries(modes)) {
      await chmod(path.join(acme, file), mode);
      await utimes(path.join(acme, file), then, then);
    }
    await chmod(acme, 0o750);
    const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);

    const clone = path.join(tmp.dir, 'clone');
    const planClone = await runCli(['-c', config, 'restore', id!, '--target', clone, '--dry-run']);
    expect(planClone.exitCode, planClone.stderr).toBe(0);
    expect(planClone.stdout).toContain(`create directory ${clone} with`);
    expect(planClone.stdout).not.toContain('replace directory');
    const cloned = await runCli(['-c', config, 'restore', id!, '--target', clone, '--yes']);
    expect(cloned.exitCode, cloned.stderr).toBe(0);
    for (const [file, mode] of Object.entries(modes)) {
      const info = await stat(path.join(clone, file));
      expect(info.mode & 0o777, file).toBe(mode);
      expect(info.mtime.toISOString(), file).toBe(then.toISOString());
    }
    expect((await stat(clone)).mode & 0o777).toBe(0o750);

    // Stock unzip reads the same bits from the zip itself.
    const archive = path.join(tmp.dir, 'backups', `${id!}.zip`);
    const unzipped = path.join(tmp.dir, 'unzipped');
    await execa('unzip', ['-q', archive, '-d', unzipped]);
    expect((await stat(path.join(unzipped, 'files/invoices/2026-001.txt'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(unzipped, 'files/profile.csv'))).mode & 0o777).toBe(0o640);
  });

  it('restore latest refuses a damaged newest archive and names the one before it', async () => {
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const tenants = path.join(tmp.dir, 'tenants');
    await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
    const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const [older] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    const [newest] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    const acme = path.join(tenants, 'acme');
    await writeFile(path.join(acme, 'new.txt'), 'after both backups');
    const before = await snapshot(acme);
    const latest = ['-c', config, '--json', 'restore', 'latest', '--source', 'app', '--tenant', 'acme', '--yes', '--no-safety-backup'];

    // A flipped byte in the newest archive's data.
    const zip = path.join(tmp.dir, 'backups', `${newest!}.zip`);
    const bytes = await readFile(zip);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(zip, bytes);
    const flipped = await runCli(latest);
    expect(flipped.exitCode, flipped.stderr).toBe(5);
    expect(flipped.json.error.hint).toContain(`"latest" was ${newest!}; the newest archive before it is ${older!}: orgbackup restore ${older!} --storage local`);
    expect(await snapshot(acme)).toEqual(before);

    // A sidecar that is not JSON any more.
    await writeFile(path.join(tmp.dir, 'backups', `${newest!}.manifest.json`), '{ damaged');
    const damaged = await runCli(latest);
    expect(damaged.exitCode, damaged.stderr).toBe(5);
    expect(damaged.json.error.hint).toContain(`the newest archive before it is ${older!}`);
    expect(await snapshot(acme)).toEqual(before);

    // The named one restores.
    const restored = await runCli(['-c', config, 'restore', older!, '--storage', 'local', '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await snapshot(acme)).not.toHaveProperty('new.txt');
  });
});
