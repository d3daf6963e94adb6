/**
 * delete, forget and get through the built binary on local, S3 (s3rver) and rclone storage at once,
 * with a files source: the refusals (newest archive, no --yes without a terminal, unknown id), the
 * removal from every storage, the erasure receipt of a tenant its source no longer has, and a
 * download checked against its sidecar (a doctored object gives exit 5 and leaves no file).
 */
import { createHash } from 'node:crypto';
import { cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { startRclone, type RcloneFixture } from '../helpers/rclone.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let s3: S3rverHandle;
let rc: RcloneFixture;
let tmp: { dir: string; cleanup(): Promise<void> };
let config: string;
let tenantsDir: string;
const STORAGES = ['disk', 'offsite', 'drive'];

beforeAll(async () => {
  [s3, rc, tmp] = await Promise.all([startS3rver(), startRclone(), tempDir('orgbackup-e2e-delete-')]);
  tenantsDir = path.join(tmp.dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenantsDir, { recursive: true });
  config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { media: { type: 'files', path: tenantsDir, tenants: { mode: 'directory' } } },
    storage: {
      disk: { type: 'local', path: path.join(tmp.dir, 'disk') },
      offsite: s3StorageConfig(s3, { prefix: 'prod' }),
      drive: { type: 'rclone', remote: `${rc.localRemote}/drive`, configFile: rc.configFile },
    },
    defaults: { storage: STORAGES },
  });
});

afterAll(async () => {
  await Promise.all([s3?.stop(), rc?.stop(), tmp?.cleanup()]);
});

const cli = (...args: string[]) => runCli(['-c', config, '--no-progress', ...args]);

async function createArchive(tenant: string): Promise<string> {
  const created = await cli('--json', 'create', '--source', 'media', '--tenant', tenant);
  expect(created.exitCode, created.stderr).toBe(0);
  return created.json.archives[0].id as string;
}

async function listed(tenant: string): Promise<{ id: string; storage: string; trigger?: string }[]> {
  const result = await cli('--json', 'list', '--tenant', tenant);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json.archives;
}

describe('delete', () => {
  it('refuses without --yes off a terminal, refuses the newest, removes older archives from every storage', async () => {
    const older = await createArchive('acme');
    const newest = await createArchive('acme');

    const noYes = await cli('--json', 'delete', older);
    expect(noYes.exitCode).toBe(2);
    expect(noYes.json.error.message).toContain('needs confirmation');

    const refused = await cli('--json', 'delete', newest, '--yes');
    expect(refused.exitCode).toBe(2);
    expect(refused.json.error.message).toContain('newest complete archive');
    expect(refused.json.error.hint).toContain('--force');

    const unknown = await cli('delete', 'media/acme/2020-01-01T00-00-00.000Z', '--yes');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no such archive');

    const dry = await cli('--json', 'delete', older, '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.archives.map((a: { storage: string; status: string }) => `${a.storage}:${a.status}`).sort()).toEqual(STORAGES.map((s) => `${s}:would-remove`).sort());
    expect((await listed('acme')).filter((a) => a.id === older)).toHaveLength(3);

    const done = await cli('--json', 'delete', older, '--yes');
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.summary.removed).toBe(3);
    expect(done.json.summary.bytes).toBeGreaterThan(0);
    const left = await listed('acme');
    expect(left.map((a) => a.id)).not.toContain(older);
    expect(left.filter((a) => a.id === newest)).toHaveLength(3);
    // Nothing of it is left behind, not even an incomplete object: prune would have nothing to clean.
    const pruned = await cli('--json', 'prune', '--dry-run');
    expect(pruned.json.archives.map((a: { id: string }) => a.id)).not.toContain(older);

    const forced = await cli('--json', 'delete', newest, '--yes', '--force', '--storage', 'offsite');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(
      (await listed('acme'))
        .filter((a) => a.id === newest)
        .map((a) => a.storage)
        .sort(),
    ).toEqual(['disk', 'drive']);
  });
});

describe('forget', () => {
  it('erases every archive of a tenant its source no longer has, from every storage, with a receipt', async () => {
    const first = await createArchive('initech');
    const second = await createArchive('initech');
    await rm(path.join(tenantsDir, 'initech'), { recursive: true });

    const noAll = await cli('forget', '--source', 'media', '--tenant', 'initech', '--yes');
    expect(noAll.exitCode).toBe(2);
    const noYes = await cli('forget', '--source', 'media', '--tenant', 'initech', '--all');
    expect(noYes.exitCode).toBe(2);
    expect(await listed('initech')).toHaveLength(6);

    const receipt = await cli('--json', 'forget', '--source', 'media', '--tenant', 'initech', '--all', '--yes');
    expect(receipt.exitCode, receipt.stderr).toBe(0);
    const removed = receipt.json.archives as { id: string; storage: string; status: string; bytes: number }[];
    expect(removed.map((a) => `${a.storage} ${a.id} ${a.status}`).sort()).toEqual(STORAGES.flatMap((s) => [first, second].map((id) => `${s} ${id} removed`)).sort());
    expect(receipt.json.summary.bytes).toBe(removed.reduce((n, a) => n + a.bytes, 0));
    expect(receipt.json.summary.bytes).toBeGreaterThan(0);
    expect(receipt.json.storages).toEqual(STORAGES);
    expect(await listed('initech')).toEqual([]);
    // Nothing of the tenant is left on the local storage, not even its (empty) directory; the
    // storage root and the source's directory, which still holds acme, stay.
    await expect(stat(path.join(tmp.dir, 'disk', 'media', 'initech'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(path.join(tmp.dir, 'disk', 'media'))).toContain('acme');
  });
});

describe('get', () => {
  it('downloads from each storage, to a file and to stdout, matching the sidecar; a doctored object exits 5 and leaves no file', async () => {
    const id = await createArchive('globex');
    const sidecar = JSON.parse(await readFile(path.join(tmp.dir, 'disk', `${id}.manifest.json`), 'utf8'));
    for (const storage of STORAGES) {
      const file = path.join(tmp.dir, `get-${storage}.zip`);
      const got = await cli('--json', 'get', id, '-o', file, '--storage', storage);
      expect(got.exitCode, got.stderr).toBe(0);
      const bytes = await readFile(file);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(sidecar.object.sha256);
      expect(got.json).toMatchObject({ id, storage, size: bytes.length, sha256: sidecar.object.sha256, encrypted: false });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    const again = await cli('get', id, '-o', path.join(tmp.dir, 'get-disk.zip'), '--storage', 'disk');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('never overwrites');

    const piped = await runCli(['-c', config, 'get', id, '-o', '-', '--storage', 'offsite'], { encoding: 'buffer' });
    expect(piped.exitCode).toBe(0);

    const object = path.join(tmp.dir, 'disk', `${id}.zip`);
    const original = await readFile(object);
    const doctored = Buffer.from(original);
    doctored[100] = doctored[100]! ^ 0xff;
    await writeFile(object, doctored);
    const out = path.join(tmp.dir, 'doctored.zip');
    const bad = await cli('--json', 'get', id, '-o', out, '--storage', 'disk');
    expect(bad.exitCode).toBe(5);
    expect(bad.json.error.message).toContain('does not match its sidecar');
    expect(await readdir(tmp.dir)).not.toContain('doctored.zip');
    expect((await readdir(tmp.dir)).filter((f) => f.includes('.get-'))).toEqual([]);
  });
});
