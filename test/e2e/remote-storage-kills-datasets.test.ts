/**
 * Interrupted lifecycle commands on remote storage, and the sample databases' export from it,
 * through the built binary. On an S3 server (s3rver) and an rclone remote: a `delete` killed with
 * SIGKILL between the sidecar and the object, and an `import` killed between the object and its
 * sidecar (both held there by the test-only pause hook, src/util/test-hooks.ts), leave an
 * incomplete archive that list and verify never take; the dead delete's storage lock makes the
 * next delete exit 75 until it expires, prune then removes the object once it is older than the
 * upload grace hour, and a repeated import completes the archive. Pagila and Chinook archived to
 * S3 are exported and compared value by value with their database (skipped without the datasets).
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { DATASETS_SKIP_REASON, hasDatasets } from '../helpers/datasets.js';
import { expectChinookExport, expectPagilaExport } from '../helpers/export-datasets.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { localStorage, remoteStoragesForFile, type StorageUnderTest } from '../helpers/storages-under-test.js';

const later = cleanupsAfterAll();
const remote = remoteStoragesForFile(later);

const MEDIA = { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } };
const cli = (config: string, ...args: string[]) => runCli(['-c', config, '--json', '--no-progress', ...args]);
const ids = async (config: string) => ((await cli(config, 'list')).json.archives as { id: string }[]).map((a) => a.id);

/** Runs the binary until it prints that it paused at `point`, then kills it with SIGKILL; returns the pause line. */
async function killedAt(config: string, point: string, args: string[]): Promise<string> {
  const child = execa(process.execPath, [BIN, '-c', config, '--no-progress', ...args], { reject: false, cwd: ROOT, stdin: 'ignore', env: { NO_COLOR: '1', ORGBACKUP_TEST_PAUSE_AT: point } });
  const line = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const paused = /orgbackup-test: paused at .*/.exec(seen);
      if (paused) resolve(paused[0]);
    });
    void child.then(() => reject(new Error(`${args[0]} ended before it paused at ${point}: ${seen}`)));
  });
  child.kill('SIGKILL');
  await child;
  return line;
}

/** The killed run's lease as its TTL would leave it, expired (the run died before its first heartbeat, a third of the TTL in). */
async function expireLease(storage: StorageUnderTest, dir: string): Promise<void> {
  const file = storage.file(dir, '_locks/storage/lease.json');
  const lease = JSON.parse(await readFile(file, 'utf8')) as { expiresAt: string };
  await writeFile(file, JSON.stringify({ ...lease, expiresAt: new Date(Date.now() - 60_000).toISOString() }));
  // s3rver serves a cached md5 as the ETag; without it, it computes the new content's.
  await rm(`${file}.md5`, { force: true });
}

describe.each([remote.s3, remote.rclone])('interrupted on $name storage', (storage) => {
  it('a delete killed between sidecar and object leaves an incomplete archive that list and verify ignore and prune removes', async () => {
    const dir = await workDir(later);
    const config = await storage.config(dir, MEDIA);
    const created: string[] = [];
    for (let i = 0; i < 2; i++) created.push((await cli(config, 'create', '--tenant', 'acme')).json.archives[0].id);
    const [older, newer] = created as [string, string];
    expect(await killedAt(config, 'remove-object', ['delete', older, '--yes'])).toContain(`${older}.zip`);

    expect(existsSync(storage.file(dir, `${older}.manifest.json`))).toBe(false);
    expect(existsSync(storage.file(dir, `${older}.zip`))).toBe(true);
    expect(await ids(config)).toEqual([newer]);
    expect((await cli(config, 'verify', older)).exitCode).not.toBe(0);
    const all = await cli(config, 'verify', '--all');
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.json.archives.map((a: { id: string }) => a.id)).toEqual([newer]);
    const busy = await cli(config, 'delete', older, '--yes');
    expect(busy.exitCode, busy.stderr).toBe(75);

    const young = await cli(config, 'prune', '--dry-run');
    expect(young.json.archives.find((a: { id: string }) => a.id === older)).toMatchObject({ complete: false, status: 'kept' });
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(storage.file(dir, `${older}.zip`), hoursAgo, hoursAgo);
    const old = await cli(config, 'prune', '--dry-run');
    expect(old.json.archives.find((a: { id: string }) => a.id === older)).toMatchObject({ complete: false, status: 'would-remove' });
    await expireLease(storage, dir);
    const pruned = await cli(config, 'prune');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(existsSync(storage.file(dir, `${older}.zip`))).toBe(false);
    expect(await ids(config)).toEqual([newer]);
  });

  it('an import killed between object and sidecar leaves nothing list or verify takes; importing again completes it', async () => {
    const origin = await localStorage.config(await workDir(later), MEDIA);
    const id = (await cli(origin, 'create', '--tenant', 'acme')).json.archives[0].id as string;
    const file = path.join(await workDir(later), 'acme.zip');
    expect((await cli(origin, 'get', id, '-o', file)).exitCode).toBe(0);

    const dir = await workDir(later);
    const config = await storage.config(dir, MEDIA);
    expect(await killedAt(config, 'commit-sidecar', ['import', file])).toContain(`${id}.manifest.json`);
    expect(existsSync(storage.file(dir, `${id}.zip`))).toBe(true);
    expect(existsSync(storage.file(dir, `${id}.manifest.json`))).toBe(false);
    expect(await ids(config)).toEqual([]);
    expect((await cli(config, 'verify', id)).exitCode).not.toBe(0);

    const again = await cli(config, 'import', file);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.storages).toEqual([{ name: 'only', status: 'stored' }]);
    expect(await ids(config)).toEqual([id]);
    const verified = await cli(config, 'verify', id);
    expect(verified.exitCode, verified.stderr).toBe(0);
    // The stored object is the file, byte for byte.
    const back = path.join(dir, 'back.zip');
    expect((await cli(config, 'get', id, '-o', back)).exitCode).toBe(0);
    expect((await readFile(back)).equals(await readFile(file))).toBe(true);
  });
});

const why = hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON;

describe.skipIf(!hasDatasets)(`export of the sample databases archived to S3 (${why})`, () => {
  const onS3 = remote.s3;
  // Pagila is loaded twice and exported once: minutes on a loaded 2-core machine.
  it('Pagila (PostgreSQL): the sql files load into an empty copy of the schema with every value equal', () => expectPagilaExport(onS3.config, later, ['sql']), 420_000);

  it('Chinook (MySQL/MariaDB): the sql files load into an empty copy of the schema with every value equal', () => expectChinookExport(onS3.config, later));
});
