/**
 * import and restore FILE through the built binary: an archive made by one installation (config
 * "origin", encrypted) and downloaded with `get` is imported by another (local and S3 storage),
 * verified fully first; a damaged file, a file that is no archive, an archive of a source this
 * config does not have and an encrypted one without the key are refused with exit 5 / 2 and leave
 * nothing stored; a second import is "identical"; a different object under the same id is refused.
 * `restore ./FILE` puts the tenant back straight from the file, with a safety backup.
 */
import { execa } from 'execa';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageKey } from '../integration/encryption-helpers.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let s3: S3rverHandle;
let tmp: { dir: string; cleanup(): Promise<void> };
let origin: string;
let here: string;
let noKey: string;
let otherSource: string;
let otherMode: string;
let hereTenants: string;
let file: string;
let id: string;

beforeAll(async () => {
  [s3, tmp] = await Promise.all([startS3rver(), tempDir('orgbackup-e2e-import-')]);
  const key = await ageKey(tmp.dir, 'key');
  const originTenants = path.join(tmp.dir, 'origin-tenants');
  hereTenants = path.join(tmp.dir, 'here-tenants');
  await cp(path.join(ROOT, 'examples/tenants'), originTenants, { recursive: true });
  await cp(path.join(ROOT, 'examples/tenants'), hereTenants, { recursive: true });
  const encryption = { recipients: [key.recipient], identityFile: key.file };
  const media = (dir: string) => ({ media: { type: 'files', path: dir, tenants: { mode: 'directory' } } });
  origin = await writeConfig(tmp.dir, { version: 1, sources: media(originTenants), storage: { origin: { type: 'local', path: path.join(tmp.dir, 'origin') } }, encryption }, 'origin.json');
  const storage = { disk: { type: 'local', path: path.join(tmp.dir, 'disk') }, offsite: s3StorageConfig(s3, { prefix: 'imp' }) };
  here = await writeConfig(tmp.dir, { version: 1, sources: media(hereTenants), storage, defaults: { storage: ['disk', 'offsite'] }, encryption }, 'here.json');
  noKey = await writeConfig(tmp.dir, { version: 1, sources: media(hereTenants), storage, encryption: { recipients: [key.recipient] } }, 'nokey.json');
  otherSource = await writeConfig(tmp.dir, { version: 1, sources: { docs: { type: 'files', path: hereTenants, tenants: { mode: 'directory' } } }, storage, encryption }, 'other.json');
  otherMode = await writeConfig(tmp.dir, { version: 1, sources: { media: { type: 'files', path: hereTenants, tenants: { mode: 'none' } } }, storage, encryption }, 'mode.json');

  const created = await runCli(['-c', origin, '--json', '--no-progress', 'create', '--tenant', 'acme']);
  expect(created.exitCode, created.stderr).toBe(0);
  id = created.json.archives[0].id;
  file = path.join(tmp.dir, 'acme.zip.age');
  const got = await runCli(['-c', origin, '--no-progress', 'get', id, '-o', file]);
  expect(got.exitCode, got.stderr).toBe(0);
});

afterAll(async () => {
  await Promise.all([s3?.stop(), tmp?.cleanup()]);
});

const cli = (config: string, ...args: string[]) => runCli(['-c', config, '--no-progress', ...args]);

async function idsIn(config: string, storage: string): Promise<string[]> {
  const listed = await cli(config, '--json', 'list', '--storage', storage);
  expect(listed.exitCode, listed.stderr).toBe(0);
  return listed.json.archives.map((a: { id: string }) => a.id);
}

describe('import', () => {
  it('refuses what is not a whole archive of a configured source, storing nothing (exit 5 / 2)', async () => {
    const original = await readFile(file);
    const damaged = path.join(tmp.dir, 'damaged.zip.age');
    const flipped = Buffer.from(original);
    const middle = Math.floor(flipped.length / 2);
    flipped[middle] = flipped[middle]! ^ 0xff;
    await writeFile(damaged, flipped);
    const truncated = path.join(tmp.dir, 'truncated.zip.age');
    await writeFile(truncated, original.subarray(0, original.length - 100));
    const text = path.join(tmp.dir, 'notes.zip');
    await writeFile(text, 'just some notes\n');
    // A plain archive damaged inside a data entry: only the full verification (entry sha256) finds it.
    const plain = path.join(tmp.dir, 'plain-damaged.zip');
    await execa('age', ['-d', '-i', path.join(tmp.dir, 'key.txt'), '-o', plain, file]);
    const bytes = await readFile(plain);
    const at = bytes.indexOf('1,200.00 EUR');
    expect(at).toBeGreaterThan(0);
    bytes[at] = '9'.charCodeAt(0);
    await writeFile(plain, bytes);

    const expected: [string, string][] = [
      [damaged, 'cannot be decrypted'],
      [truncated, 'cannot be decrypted'],
      [text, 'is not an orgbackup archive (neither a zip nor an age-encrypted file)'],
      [plain, 'does not match its sha256'],
    ];
    for (const [bad, message] of expected) {
      const result = await cli(here, '--json', 'import', bad);
      expect(result.exitCode, `${bad}: ${result.stderr}`).toBe(5);
      expect(result.json.error.message).toContain(message);
    }
    const unknown = await cli(otherSource, '--json', 'import', file, '--storage', 'disk');
    expect(unknown.exitCode, unknown.stderr).toBe(2);
    expect(unknown.json.error.message).toContain('belongs to source "media", which is not in the config');
    const mode = await cli(otherMode, '--json', 'import', file, '--storage', 'disk');
    expect(mode.exitCode, mode.stderr).toBe(2);
    expect(mode.json.error.message).toContain('tenant mode "directory" (the config says "none")');
    const keyless = await cli(noKey, '--json', 'import', file, '--storage', 'disk');
    expect(keyless.exitCode, keyless.stderr).toBe(2);
    expect(keyless.json.error.message).toContain('no identity is configured');
    const missing = await cli(here, 'import', path.join(tmp.dir, 'nope.zip'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('no such file');

    expect(await idsIn(here, 'disk')).toEqual([]);
    expect(await idsIn(here, 'offsite')).toEqual([]);
  });

  it('verifies and stores the file under its own id in local and S3 storage; a second import is identical', async () => {
    const dry = await cli(here, '--json', 'import', file, '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ id, source: 'media', tenant: 'acme', encrypted: true, levels: [1, 2], dryRun: true });
    expect(dry.json.storages.map((s: { status: string }) => s.status)).toEqual(['would-store', 'would-store']);
    expect(await idsIn(here, 'disk')).toEqual([]);

    const done = await cli(here, '--json', 'import', file);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.storages).toEqual([
      { name: 'disk', status: 'stored' },
      { name: 'offsite', status: 'stored' },
    ]);
    expect(await idsIn(here, 'disk')).toEqual([id]);
    expect(await idsIn(here, 'offsite')).toEqual([id]);
    const verified = await cli(here, '--json', 'verify', id, '--storage', 'offsite');
    expect(verified.exitCode, verified.stderr).toBe(0);
    // The stored object is the file, byte for byte.
    const stored = await cli(here, 'get', id, '--storage', 'disk', '-o', path.join(tmp.dir, 'back.zip.age'));
    expect(stored.exitCode, stored.stderr).toBe(0);
    expect((await readFile(path.join(tmp.dir, 'back.zip.age'))).equals(await readFile(file))).toBe(true);

    const again = await cli(here, 'import', file);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('already there (identical)');
  });

  it('refuses another object under an id a storage already holds; the copy decrypted with stock age imports elsewhere', async () => {
    const plain = path.join(tmp.dir, 'acme.zip');
    const key = path.join(tmp.dir, 'key.txt');
    await execa('age', ['-d', '-i', key, '-o', plain, file]);
    const conflict = await cli(here, '--json', 'import', plain, '--storage', 'disk');
    expect(conflict.exitCode, conflict.stderr).toBe(1);
    expect(conflict.json.storages[0].error).toContain(`already holds an archive ${id} that is not this file`);

    const fresh = await writeConfig(
      tmp.dir,
      { version: 1, sources: { media: { type: 'files', path: hereTenants, tenants: { mode: 'directory' } } }, storage: { fresh: { type: 'local', path: path.join(tmp.dir, 'fresh') } } },
      'fresh.json',
    );
    const ok = await cli(fresh, '--json', 'import', plain);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ id, encrypted: false, storages: [{ name: 'fresh', status: 'stored' }] });
    const verified = await cli(fresh, '--json', 'verify', id);
    expect(verified.exitCode, verified.stderr).toBe(0);
  });
});

describe('an import killed with SIGKILL', () => {
  it('leaves no archive that list or verify would take, and importing again completes it', async () => {
    const config = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: hereTenants, tenants: { mode: 'directory' } } },
        storage: { killed: { type: 'local', path: path.join(tmp.dir, 'killed') } },
        encryption: { identityFile: path.join(tmp.dir, 'key.txt'), recipients: [(await execa('age-keygen', ['-y', path.join(tmp.dir, 'key.txt')])).stdout.trim()] },
      },
      'killed.json',
    );
    const child = execa(process.execPath, [BIN, '-c', config, '--no-progress', 'import', file], {
      reject: false,
      cwd: ROOT,
      stdin: 'ignore',
      env: { NO_COLOR: '1', ORGBACKUP_TEST_PAUSE_AT: 'local-commit:.manifest.json' },
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('orgbackup-test: paused at local-commit')) resolve();
      });
      void child.then(() => reject(new Error(`import ended before the pause: ${seen}`)));
    });
    child.kill('SIGKILL');
    await child;
    const objects = await readdir(path.join(tmp.dir, 'killed'), { recursive: true });
    expect(objects.some((f) => f.endsWith('.zip.age'))).toBe(true);
    expect(objects.some((f) => f.endsWith('.manifest.json'))).toBe(false);
    expect(await idsIn(config, 'killed')).toEqual([]);
    const verify = await cli(config, 'verify', id);
    expect(verify.exitCode).not.toBe(0);

    const again = await cli(config, '--json', 'import', file);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.storages).toEqual([{ name: 'killed', status: 'stored' }]);
    expect(await idsIn(config, 'killed')).toEqual([id]);
    const verified = await cli(config, 'verify', id);
    expect(verified.exitCode, verified.stderr).toBe(0);
  });
});

describe('restore FILE', () => {
  it('restores the tenant straight from an archive file, with a safety backup, and refuses a damaged file', async () => {
    const acme = path.join(hereTenants, 'acme');
    await rm(path.join(acme, 'invoices'), { recursive: true });
    await writeFile(path.join(acme, 'stray.txt'), 'not in the archive');
    const before = await idsIn(here, 'disk');
    const relative = path.relative(tmp.dir, file);

    const damaged = await runCli(['-c', here, '--json', '--no-progress', 'restore', './damaged.zip.age', '--yes'], { cwd: tmp.dir });
    expect(damaged.exitCode, damaged.stderr).toBe(5);
    expect(await readdir(acme)).toEqual(['profile.csv', 'stray.txt']);

    const restored = await runCli(['-c', here, '--json', '--no-progress', 'restore', relative, '--yes'], { cwd: tmp.dir });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json).toMatchObject({ id, storage: 'file', file, tenant: 'acme' });
    expect(restored.json.safetyBackup.id).toMatch(/^media\/acme\//);
    expect((await readdir(acme)).sort()).toEqual(['invoices', 'profile.csv']);
    expect(await readFile(path.join(acme, 'invoices/2026-001.txt'), 'utf8')).toBe(await readFile(path.join(ROOT, 'examples/tenants/acme/invoices/2026-001.txt'), 'utf8'));
    expect((await idsIn(here, 'disk')).length).toBe(before.length + 1);

    const storage = await cli(here, 'restore', file, '--storage', 'disk', '--yes');
    expect(storage.exitCode).toBe(2);
    expect(storage.stderr).toContain('--storage does not apply');
  });
});
