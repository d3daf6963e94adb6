/**
 * What goes wrong with encrypted archives, through the built binary: no identity, wrong identity,
 * wrong passphrase, a tampered byte, a truncated object (each with the sidecar intact and with it
 * rewritten to match) give one line naming the archive, verify exits 5 and restore refuses before
 * touching its target. Also: archives re-encrypted by the stock age CLI, key rotation,
 * per-tenant keys (crypto-erasure) and the encryption preflight.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { ageKey, baseConfig, filesFixture, pgFixture, resealSidecar, storedObjects, type AgeKey } from './encryption-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

let dir: string;
let db: string;
let files: string;
let right: AgeKey;
let wrong: AgeKey;

interface VerifyItem {
  id: string;
  status: string;
  levels: number[];
  failedLevel?: number;
  error?: string;
}
const items = (res: CliResult) => (res.json as { archives: VerifyItem[] }).archives;

/** A config over `backups` (relative to `dir`) with this encryption block. */
function configFor(name: string, encryption: Record<string, unknown>, backups = './backups'): Promise<string> {
  const config = baseConfig(db, files, encryption);
  config.storage.local.path = backups;
  return writeConfig(dir, config, `${name}.json`);
}

beforeAll(async () => {
  const tmp = await tempDir('orgbackup-encerr-');
  cleanups.push(() => tmp.cleanup());
  dir = tmp.dir;
  db = await pgFixture();
  cleanups.push(() => dropDb(db));
  files = await filesFixture(dir);
  right = await ageKey(dir, 'right');
  wrong = await ageKey(dir, 'wrong');
  const created = await runCli(['-c', await configFor('good', { recipients: [right.recipient], identityFile: 'right.txt' }), '--json', 'create']);
  expect(created.exitCode, created.stderr).toBe(0);
});

describe('keys that cannot decrypt', () => {
  it('no identity configured: verify exits 5 and names each archive', async () => {
    const res = await runCli(['-c', await configFor('no-identity', { recipients: [right.recipient] }), '--json', 'verify', '--all']);
    expect(res.exitCode).toBe(5);
    expect(items(res)).toHaveLength(3);
    for (const item of items(res)) {
      expect(item.status).toBe('failed');
      expect([item.failedLevel, item.levels]).toEqual([2, [1]]);
      expect(item.error).toBe(`archive ${item.id} is encrypted and no identity is configured`);
    }
  });

  it('no identity configured: level 1 (size and sha256 against the sidecar) still runs and catches a changed byte', async () => {
    const backups = `./no-key-${uniqueName()}`;
    await cp(path.join(dir, 'backups'), path.join(dir, backups), { recursive: true });
    const archive = (await storedObjects(path.join(dir, backups))).find((s) => s.id.startsWith('media/acme/'))!;
    const bytes = await readFile(archive.object);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
    await writeFile(archive.object, bytes);
    const res = await runCli(['-c', await configFor('no-key-damaged', { recipients: [right.recipient] }, backups), '--json', 'verify', archive.id]);
    expect(res.exitCode).toBe(5);
    const [item] = items(res);
    expect(item!.failedLevel).toBe(1);
    expect(item!.error).toBe(`archive ${archive.id}: stored object's sha256 does not match its sidecar (the bytes were altered)`);
  });

  it('wrong identity: verify exits 5 naming the configured public key; the secret appears nowhere', async () => {
    const res = await runCli(['-c', await configFor('wrong-identity', { recipients: [right.recipient], identityFile: 'wrong.txt' }), '--json', 'verify', '--all']);
    expect(res.exitCode).toBe(5);
    for (const item of items(res)) {
      expect(item.failedLevel).toBe(2);
      expect(item.error).toBe(`archive ${item.id}: none of the 1 configured identities (${wrong.recipient}) can decrypt it (wrong identity)`);
    }
    expect(res.stdout + res.stderr).not.toContain(wrong.identity);
  });

  it('wrong identity: restore refuses in preflight (exit 4) before touching the target database or directory', async () => {
    const config = await configFor('wrong-identity-restore', { recipients: [right.recipient], identityFile: 'wrong.txt' });
    const stored = await storedObjects(path.join(dir, 'backups'));
    const pgArchive = stored.find((s) => s.id.startsWith('app/'))!;
    const target = uniqueName('ob_enc_never');
    const res = await runCli(['-c', config, '--json', 'restore', pgArchive.id, '--target', pgUrl(target), '--yes']);
    expect(res.exitCode).toBe(4);
    expect(res.stderr).toContain(`none of the configured identities (${wrong.recipient}) decrypts archives encrypted to encryption.recipients`);
    expect(await pgQuery('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [target])).toEqual([]);

    const filesArchive = stored.find((s) => s.id.startsWith('media/acme/'))!;
    const filesTarget = path.join(dir, 'never-restored');
    const resFiles = await runCli(['-c', config, '--json', 'restore', filesArchive.id, '--target', filesTarget, '--yes']);
    expect(resFiles.exitCode).toBe(4);
    await expect(stat(filesTarget)).rejects.toThrow(/ENOENT/);
  });

  it('wrong passphrase: verify exits 5 and says so', async () => {
    await writeFile(path.join(dir, 'pass-right'), 'the right passphrase\n', { mode: 0o600 });
    await writeFile(path.join(dir, 'pass-wrong'), 'not the passphrase\n', { mode: 0o600 });
    const created = await runCli(['-c', await configFor('pass', { passphraseFile: 'pass-right' }, './pass-backups'), '--json', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(created.exitCode, created.stderr).toBe(0);
    const res = await runCli(['-c', await configFor('pass-wrong', { passphraseFile: 'pass-wrong' }, './pass-backups'), '--json', 'verify', '--all']);
    expect(res.exitCode).toBe(5);
    const [item] = items(res);
    expect(item!.error).toBe(`archive ${item!.id}: the configured passphrase does not decrypt it (wrong passphrase)`);
    expect(res.stdout + res.stderr).not.toContain('not the passphrase');
  });
});

describe('damaged ciphertext', () => {
  type Damage = (bytes: Buffer) => Buffer;
  const flipAt =
    (fromEnd: number): Damage =>
    (bytes) => {
      const copy = Buffer.from(bytes);
      copy[copy.length - fromEnd] = copy[copy.length - fromEnd]! ^ 0x20;
      return copy;
    };
  const cut: Damage = (bytes) => bytes.subarray(0, bytes.length - 40);
  const cases: [string, Damage, boolean, 1 | 2, RegExp][] = [
    ['a tampered byte, sidecar intact', flipAt(30), false, 1, /stored object's sha256 does not match its sidecar/],
    ['a tampered byte, sidecar rewritten to match', flipAt(30), true, 2, /cannot be decrypted: encrypted chunk 0 fails authentication \(the data was altered or cut short\)/],
    ['a truncated object, sidecar intact', cut, false, 1, /stored object is \d+ bytes, its sidecar says \d+/],
    ['a truncated object, sidecar rewritten to match', cut, true, 2, /cannot be decrypted: encrypted chunk 0 fails authentication/],
  ];

  it.each(cases)('%s: verify exits 5 at the expected level, restore refuses', async (label, damage, reseal, level, message) => {
    const backups = `./damaged-${uniqueName()}`;
    await cp(path.join(dir, 'backups'), path.join(dir, backups), { recursive: true });
    const archive = (await storedObjects(path.join(dir, backups))).find((s) => s.id.startsWith('media/acme/'))!;
    const damaged = damage(await readFile(archive.object));
    await writeFile(archive.object, damaged);
    if (reseal) await resealSidecar(archive.sidecar, damaged);
    const config = await configFor(`damaged-${cases.findIndex((c) => c[0] === label)}`, { recipients: [right.recipient], identityFile: 'right.txt' }, backups);

    const res = await runCli(['-c', config, '--json', 'verify', archive.id]);
    expect(res.exitCode, res.stderr).toBe(5);
    const [item] = items(res);
    expect(item!.failedLevel).toBe(level);
    expect(item!.error).toMatch(new RegExp(`^archive ${archive.id}`));
    expect(item!.error).toMatch(message);
    expect(item!.error).not.toContain('\n');

    const target = path.join(dir, `untouched-${uniqueName()}`);
    const restore = await runCli(['-c', config, 'restore', archive.id, '--target', target, '--yes']);
    expect(restore.exitCode).toBe(5);
    expect(restore.stderr).toMatch(message);
    await expect(stat(target)).rejects.toThrow(/ENOENT/);
  });
});

describe('the stock age CLI and key rotation', () => {
  it('an archive decrypted and re-encrypted by `age` to a new key verifies and restores with identityFiles [old, new]', async () => {
    const backups = './rotated';
    await cp(path.join(dir, 'backups'), path.join(dir, backups), { recursive: true });
    const archive = (await storedObjects(path.join(dir, backups))).find((s) => s.id.startsWith('media/globex/'))!;
    const fresh = await ageKey(dir, 'fresh');
    const plain = path.join(dir, 'globex.zip');
    await execa('age', ['-d', '-i', right.file, '-o', plain, archive.object]);
    await execa('age', ['-r', fresh.recipient, '-o', `${archive.object}.new`, plain]);
    await cp(`${archive.object}.new`, archive.object);
    await resealSidecar(archive.sidecar, await readFile(archive.object), [fresh.recipient]);

    const oldConfig = await configFor('old-only', { recipients: [right.recipient], identityFile: 'right.txt' }, backups);
    const oldOnly = await runCli(['-c', oldConfig, '--json', 'verify', '--all']);
    expect(oldOnly.exitCode).toBe(5);
    expect(
      items(oldOnly)
        .filter((i) => i.status === 'failed')
        .map((i) => i.id),
    ).toEqual([archive.id]);
    // Preflight passes (the key fits the configured recipients); the archive itself does not decrypt.
    const refused = await runCli(['-c', oldConfig, 'restore', archive.id, '--target', path.join(dir, 'never-globex'), '--yes']);
    expect(refused.exitCode).toBe(5);
    expect(refused.stderr).toContain(`refusing to restore ${archive.id}: archive ${archive.id}: none of the 1 configured identities (${right.recipient}) can decrypt it (wrong identity)`);
    await expect(stat(path.join(dir, 'never-globex'))).rejects.toThrow(/ENOENT/);

    const rotated = await configFor('rotated', { recipients: [fresh.recipient], identityFiles: ['right.txt', 'fresh.txt'] }, backups);
    const all = await runCli(['-c', rotated, '--json', 'verify', '--all']);
    expect(all.exitCode, all.stderr).toBe(0);
    const target = path.join(dir, 'globex-restored');
    const restored = await runCli(['-c', rotated, 'restore', archive.id, '--target', target, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await readFile(path.join(target, 'docs', 'note.txt'), 'utf8')).toContain('of globex');
  });
});

describe('per-tenant keys (crypto-erasure)', () => {
  it("a tenant's own key replaces the default: without that key its archives cannot be read", async () => {
    const acmeKey = await ageKey(dir, 'acme');
    const backups = './per-tenant';
    const writer = await configFor('per-tenant', { recipients: [right.recipient], tenantRecipients: { 'media/acme': [acmeKey.recipient] } }, backups);
    const created = await runCli(['-c', writer, '--json', 'create', '--source', 'media']);
    expect(created.exitCode, created.stderr).toBe(0);
    const sidecars = await Promise.all(
      (await storedObjects(path.join(dir, backups))).map(async (s) => JSON.parse(await readFile(s.sidecar, 'utf8')) as { tenant: { id: string }; encryption: { recipients: string[] } }),
    );
    expect(Object.fromEntries(sidecars.map((s) => [s.tenant.id, s.encryption.recipients]))).toEqual({ acme: [acmeKey.recipient], globex: [right.recipient] });

    // The acme key deleted: the default identity reads globex only.
    const erased = await runCli(['-c', await configFor('erased', { recipients: [right.recipient], identityFile: 'right.txt' }, backups), '--json', 'verify', '--all']);
    expect(erased.exitCode).toBe(5);
    expect(items(erased).map((i) => [i.id.split('/')[1], i.status])).toEqual(
      expect.arrayContaining([
        ['acme', 'failed'],
        ['globex', 'ok'],
      ]),
    );
    const both = await runCli(['-c', await configFor('both', { recipients: [right.recipient], identityFiles: ['right.txt', 'acme.txt'] }, backups), '--json', 'verify', '--all']);
    expect(both.exitCode, both.stderr).toBe(0);
  });

  it('a tenant with no key at all fails alone (exit 3); the others are stored', async () => {
    const acmeKey = await ageKey(dir, 'acme-only');
    const config = await configFor('acme-only', { tenantRecipients: { acme: [acmeKey.recipient] } }, './acme-only');
    const res = await runCli(['-c', config, '--json', 'create', '--source', 'media']);
    expect(res.exitCode).toBe(3);
    const outcome = Object.fromEntries((res.json as { archives: { tenant: string; status: string; error?: string }[] }).archives.map((a) => [a.tenant, a]));
    expect(outcome.acme!.status).toBe('ok');
    expect(outcome.globex!.status).toBe('failed');
    expect(outcome.globex!.error).toBe('no age recipient for tenant globex of source media, so its archive cannot be encrypted');
  });
});

describe('encryption preflight', () => {
  it('restore: fails (exit 4) when the identity cannot decrypt what the recipients get; passes with the right key', async () => {
    const bad = await runCli(['-c', await configFor('pf-wrong', { recipients: [right.recipient], identityFile: 'wrong.txt' }), '--json', 'preflight', '--for', 'restore', '--source', 'media']);
    expect(bad.exitCode).toBe(4);
    const check = (bad.json as { checks: { id: string; status: string; message: string }[] }).checks.find((c) => c.id === 'encryption.identity')!;
    expect(check.status).toBe('fail');
    expect(check.message).toContain(wrong.recipient);
    expect(bad.stdout + bad.stderr).not.toContain(wrong.identity);
    const good = await runCli(['-c', await configFor('pf-right', { recipients: [right.recipient], identityFile: 'right.txt' }), '--json', 'preflight', '--for', 'restore', '--source', 'media']);
    const passed = (good.json as { checks: { id: string; status: string }[] }).checks.filter((c) => c.id.startsWith('encryption.'));
    expect(passed.map((c) => [c.id, c.status])).toEqual([
      ['encryption.recipients', 'pass'],
      ['encryption.identity', 'pass'],
    ]);
  });

  it('create: a recipient that does not parse fails preflight (exit 4) and nothing is written', async () => {
    const config = await configFor('pf-bad-recipient', { recipients: ['age1notakey'] }, './never');
    const res = await runCli(['-c', config, '--json', 'create', '--source', 'media']);
    expect(res.exitCode).toBe(4);
    const logged = res.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(logged.find((l) => l.level === 'error')!.msg).toContain('encryption.recipients.0: "age1notakey" is not a valid age public key (age1...)');
    await expect(stat(path.join(dir, 'never', 'media'))).rejects.toThrow(/ENOENT/);
  });

  it('a secret key pasted as a recipient is refused without echoing it', async () => {
    const res = await runCli(['-c', await configFor('pf-secret', { recipients: [wrong.identity] }, './never'), '--json', 'preflight', '--for', 'create', '--source', 'media']);
    expect(res.exitCode).toBe(4);
    expect(res.stdout).toContain('encryption.recipients.0: this is a secret key, not a recipient');
    expect(res.stdout + res.stderr).not.toContain(wrong.identity);
  });
});
