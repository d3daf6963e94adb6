/**
 * An archive object swapped for another archive's bytes (same size), or a sidecar listing another
 * archive's entries, fails verify level 1/2 (exit 5) with a reason, and every other archive is
 * still verified and reported; restore refuses it without a stack trace. Built binary, files source.
 */
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/archive/manifest.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { configWith, createArchives, verifyJson } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function filesWork(): Promise<{ config: string; backups: string; tenants: string }> {
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  const tenants = path.join(tmp.dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
  const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
  return { config, backups: path.join(tmp.dir, 'backups'), tenants };
}

const zipOf = (backups: string, id: string) => path.join(backups, `${id}.zip`);

describe('swapped archives', () => {
  it('an older archive copied over a newer one of the same size fails alone; the other two verify', async () => {
    const { config, backups, tenants } = await filesWork();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(...(await createArchives(config, ['--source', 'app', '--tenant', 'acme'])));
    const [oldest, middle, newest] = ids as [string, string, string];
    // Same files, same manifest layout: the three objects have one size, so only the bytes differ.
    const sizes = await Promise.all(ids.map(async (id) => (await stat(zipOf(backups, id))).size));
    expect(new Set(sizes).size).toBe(1);
    await writeFile(zipOf(backups, newest), await readFile(zipOf(backups, oldest)));

    const res = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(res.exitCode, res.stderr).toBe(5);
    expect(res.stderr).not.toContain('internal error');
    const items = verifyJson(res);
    expect(items.map((i) => [i.id, i.status]).sort()).toEqual(
      [
        [middle, 'ok'],
        [newest, 'failed'],
        [oldest, 'ok'],
      ].sort(),
    );
    const swapped = items.find((i) => i.id === newest)!;
    expect(swapped.failedLevel).toBe(1);
    expect(swapped.error).toContain("stored object's sha256 does not match its sidecar");
    expect(swapped.error).toContain(`manifest.json inside the archive describes another archive: id "${oldest}"`);

    const before = await readFile(path.join(tenants, 'acme', 'profile.csv'), 'utf8');
    await writeFile(path.join(tenants, 'acme', 'profile.csv'), 'edited after the backups');
    const restored = await runCli(['-c', config, '--json', 'restore', newest, '--yes', '--no-safety-backup']);
    expect(restored.exitCode, restored.stderr).toBe(5);
    expect(restored.json.error.message).toContain(`refusing to restore ${newest}`);
    expect(restored.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await readFile(path.join(tenants, 'acme', 'profile.csv'), 'utf8')).toBe('edited after the backups');
    expect(before).not.toBe('edited after the backups');
  });

  it("a sidecar listing another archive's entries fails alone; the others verify", async () => {
    const { config, backups, tenants } = await filesWork();
    // The same file names with other sizes: the reader is sent past the end of an entry, into the next.
    await writeFile(path.join(tenants, 'acme', 'profile.csv'), 'bigger at the first backup\n'.repeat(50));
    const [acme1] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    const [globex] = await createArchives(config, ['--source', 'app', '--tenant', 'globex']);
    await writeFile(path.join(tenants, 'acme', 'profile.csv'), 'small\n');
    const [acme2] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    const read = async (id: string) => JSON.parse(await readFile(path.join(backups, `${id}.manifest.json`), 'utf8')) as Sidecar;
    const doctored = await read(acme2!);
    doctored.entries = (await read(acme1!)).entries;
    await writeFile(path.join(backups, `${acme2!}.manifest.json`), JSON.stringify(doctored, null, 2));

    const res = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(res.exitCode, res.stderr).toBe(5);
    expect(res.stderr).not.toContain('internal error');
    const items = verifyJson(res);
    expect(items.map((i) => [i.id, i.status]).sort()).toEqual(
      [
        [acme1!, 'ok'],
        [acme2!, 'failed'],
        [globex!, 'ok'],
      ].sort(),
    );
    const failed = items.find((i) => i.id === acme2)!;
    // The object still matches its sidecar's size and sha256: level 1 passes, reading it fails.
    expect(failed.failedLevel).toBe(2);
    expect(failed.error).toContain(`archive ${acme2!}: entry files/profile.csv does not match its sha256`);
  });
});
