/**
 * Encrypted archives through the built binary: create -> verify -> restore with age recipients and
 * with a passphrase, for a PostgreSQL database and a files source. The stored bytes hold no
 * plaintext, the sidecar holds public keys only, and no secret reaches any output.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { dropDb, pgUrl, tableDigests } from '../helpers/pg.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { FILE_MARKER, ROW_MARKER, ageKey, baseConfig, filesFixture, pgFixture, storedObjects, type AgeKey } from './encryption-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

let db: string;
beforeAll(async () => {
  db = await pgFixture();
  cleanups.push(() => dropDb(db));
});

async function workDir(): Promise<string> {
  const tmp = await tempDir('orgbackup-enc-');
  cleanups.push(() => tmp.cleanup());
  return tmp.dir;
}

/** Plaintext markers that must never appear in stored encrypted bytes. */
const MARKERS = ['PGDMP', 'PK\x03\x04', ROW_MARKER, FILE_MARKER];

async function roundTrip(dir: string, config: string, secrets: string[], recipients: string[], passphrase: boolean): Promise<void> {
  const created = await runCli(['-c', config, '--json', 'create']);
  expect(created.exitCode, created.stderr).toBe(0);
  const stored = await storedObjects(path.join(dir, 'backups'));
  expect(stored.map((s) => s.id.split('/').slice(0, 2).join('/')).sort()).toEqual(['app/_all', 'media/acme', 'media/globex']);

  for (const { object, sidecar } of stored) {
    expect(object).toMatch(/\.zip\.age$/);
    const bytes = await readFile(object);
    expect(bytes.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    for (const marker of MARKERS) expect(bytes.includes(marker), `${marker} in ${object}`).toBe(false);
    const manifest = JSON.parse(await readFile(sidecar, 'utf8'));
    expect(manifest.encryption).toEqual({ recipients, passphrase });
    for (const secret of secrets) expect(JSON.stringify(manifest)).not.toContain(secret);
  }
  // The markers are in the plaintext, so their absence above means something.
  const pgObject = stored.find((s) => s.id.startsWith('app/'))!;
  const plainZip = await decryptWithCli(pgObject.object, dir, secrets);
  expect(plainZip.includes('PK\x03\x04') && plainZip.includes('PGDMP') && plainZip.includes(ROW_MARKER)).toBe(true);

  const verified = await runCli(['-c', config, '--json', 'verify', '--all']);
  expect(verified.exitCode, verified.stderr).toBe(0);
  const archives = (verified.json as { archives: { status: string; levels: number[] }[] }).archives;
  expect(archives.map((a) => [a.status, a.levels])).toEqual(stored.map(() => ['ok', [1, 2]]));

  const target = uniqueName('ob_enc_restored');
  cleanups.push(() => dropDb(target));
  const restored = await runCli(['-c', config, '--json', 'restore', pgObject.id, '--target', pgUrl(target), '--yes']);
  expect(restored.exitCode, restored.stderr).toBe(0);
  expect(await tableDigests(target)).toEqual(await tableDigests(db));

  const acme = stored.find((s) => s.id.startsWith('media/acme/'))!;
  const filesTarget = path.join(dir, 'restored-acme');
  const restoredFiles = await runCli(['-c', config, '--json', 'restore', acme.id, '--target', filesTarget, '--yes']);
  expect(restoredFiles.exitCode, restoredFiles.stderr).toBe(0);
  expect(await readFile(path.join(filesTarget, 'docs', 'note.txt'), 'utf8')).toBe(`${FILE_MARKER} of acme\n`);

  for (const output of [created, verified, restored, restoredFiles]) {
    for (const secret of secrets) expect(output.stdout + output.stderr).not.toContain(secret);
  }
}

/** The stock CLI: `age -d -i key.txt` for keys; for a passphrase, age wants a terminal (`script`). */
async function decryptWithCli(object: string, dir: string, secrets: string[]): Promise<Buffer> {
  const out = path.join(dir, 'plain.zip');
  if (secrets[0]!.startsWith('AGE-SECRET-KEY-')) {
    const keyFile = path.join(dir, 'cli-key.txt');
    await writeFile(keyFile, `${secrets[0]}\n`, { mode: 0o600 });
    await execa('age', ['-d', '-i', keyFile, '-o', out, object]);
  } else {
    await execa('script', ['-qec', `age -d -o ${out} ${object}`, '/dev/null'], { input: `${secrets[0]}\n` });
  }
  return readFile(out);
}

describe('encrypted round trips through the binary', () => {
  it('age recipients: the backup host has public keys only; restore and verify use the identity file', async () => {
    const dir = await workDir();
    const files = await filesFixture(dir);
    const key: AgeKey = await ageKey(dir, 'key');
    const config = await writeConfig(dir, baseConfig(db, files, { recipients: [key.recipient], identityFile: 'key.txt' }));
    await roundTrip(dir, config, [key.identity], [key.recipient], false);
  });

  it('a passphrase from passphraseFile (age scrypt)', async () => {
    const dir = await workDir();
    const files = await filesFixture(dir);
    const passphrase = `pass-${uniqueName()}`;
    await writeFile(path.join(dir, 'passphrase'), `${passphrase}\n`, { mode: 0o600 });
    const config = await writeConfig(dir, baseConfig(db, files, { passphraseFile: 'passphrase' }));
    await roundTrip(dir, config, [passphrase], [], true);
  });

  it('recipientsFile and identity from ${ENV}: two recipients, each key alone restores', async () => {
    const dir = await workDir();
    const files = await filesFixture(dir);
    const [a, b] = [await ageKey(dir, 'a'), await ageKey(dir, 'b')];
    await writeFile(path.join(dir, 'recipients.txt'), `# ops team\n${a.recipient}\n\n${b.recipient}\n`);
    const config = await writeConfig(dir, baseConfig(db, files, { recipientsFile: 'recipients.txt', identity: '${AGE_IDENTITY:-}' }));
    const created = await runCli(['-c', config, '--json', 'create', '--source', 'media']);
    expect(created.exitCode, created.stderr).toBe(0);
    for (const key of [a, b]) {
      const verified = await runCli(['-c', config, '--json', 'verify', '--all'], { env: { AGE_IDENTITY: key.identity } });
      expect(verified.exitCode, verified.stderr).toBe(0);
      expect(verified.stdout + verified.stderr).not.toContain(key.identity);
    }
    const [stored] = await storedObjects(path.join(dir, 'backups'));
    expect(JSON.parse(await readFile(stored!.sidecar, 'utf8')).encryption.recipients).toEqual([a.recipient, b.recipient]);
  });
});
