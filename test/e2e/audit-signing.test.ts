/**
 * Signed audit seals through the built binary (local storage and S3 on s3rver): with
 * audit.signingKeyFile every run's seal is signed; `audit verify` checks it with the derived public
 * key or audit.verifyKeyFile and exits 5 on a missing signature, a bad one, a run rewritten and
 * re-signed with another key, and an edited line. The key never reaches stderr.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonical } from '../../src/audit/chain.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> };
let s3: S3rverHandle;
let disk: string;
const configs: Record<string, string> = {};
const pair = () => generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const key = pair();
const other = pair();

beforeAll(async () => {
  [tmp, s3] = await Promise.all([tempDir('orgbackup-e2e-audit-sign-'), startS3rver()]);
  const tenantsDir = path.join(tmp.dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenantsDir, { recursive: true });
  const file = (name: string, text: string) => writeFile(path.join(tmp.dir, name), text).then(() => path.join(tmp.dir, name));
  const [priv, pub, otherPub, notKey] = await Promise.all([file('audit.key', key.privateKey), file('audit.pub', key.publicKey), file('other.pub', other.publicKey), file('not.key', 'hello\n')]);
  disk = path.join(tmp.dir, 'disk');
  const sources = { media: { type: 'files', path: tenantsDir, tenants: { mode: 'directory' } } };
  const local = { disk: { type: 'local', path: disk } };
  const write = async (name: string, storage: object, audit: object) =>
    (configs[name] = await writeConfig(tmp.dir, { version: 1, sources, storage, audit: { enabled: true, ...audit } }, `${name}.config.json`));
  await write('signing', local, { signingKeyFile: priv });
  await write('verifyOnly', local, { verifyKeyFile: pub });
  await write('otherKey', local, { verifyKeyFile: otherPub });
  await write('unsigned', local, {});
  await write('badKey', local, { signingKeyFile: notKey });
  await write('s3', { offsite: s3StorageConfig(s3, { prefix: 'signed' }) }, { signingKeyFile: priv });
});

afterAll(async () => {
  await Promise.all([tmp?.cleanup(), s3?.stop()]);
});

const cli = (config: string, args: string[]) => runCli(['-c', configs[config]!, '--no-progress', ...args]);

async function newestObject(): Promise<string> {
  const root = path.join(disk, '_audit');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ndjson')).sort();
  return path.join(root, files.at(-1)!);
}

/** The seal (last line) of a run object, changed and written back. */
async function editSeal(file: string, change: (seal: Record<string, unknown>) => void): Promise<void> {
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const seal = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
  change(seal);
  await writeFile(file, [...lines.slice(0, -1), canonical(seal)].join('\n') + '\n');
}

describe('signed audit seals', () => {
  it('signs each run and verifies with the derived or the configured public key; the key is never logged', async () => {
    const created = await cli('signing', ['-v', '--json', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(created.exitCode, created.stderr).toBe(0);
    const body = key.privateKey.split('\n')[1]!;
    expect(created.stderr).not.toContain(body);
    const seal = JSON.parse((await readFile(await newestObject(), 'utf8')).trimEnd().split('\n').at(-1)!);
    expect(seal.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    for (const config of ['signing', 'verifyOnly']) {
      const verified = await cli(config, ['--json', 'audit', 'verify']);
      expect(verified.exitCode, verified.stderr).toBe(0);
      expect(verified.json).toMatchObject({ signatures: true, objects: [{ status: 'ok' }] });
    }
    expect((await cli('signing', ['audit', 'verify'])).stdout).toContain('every seal signed');
    // Without a key configured, signatures are not checked.
    expect((await cli('unsigned', ['--json', 'audit', 'verify'])).json.signatures).toBe(false);
  });

  it.each([
    ['the signature removed', 'unsigned', (s: Record<string, unknown>) => delete s.signature],
    ['the signature changed', 'bad-signature', (s: Record<string, unknown>) => (s.signature = Buffer.alloc(64, 1).toString('base64'))],
  ])('%s: exit 5', async (_name, status, change) => {
    expect((await cli('signing', ['verify', '--source', 'media'])).exitCode).toBe(0);
    const file = await newestObject();
    const saved = await readFile(file, 'utf8');
    await editSeal(file, change);
    const verified = await cli('verifyOnly', ['--json', 'audit', 'verify']);
    expect(verified.exitCode).toBe(5);
    const bad = verified.json.objects.filter((o: { status: string }) => o.status !== 'ok');
    expect(bad).toEqual([expect.objectContaining({ status, line: saved.trimEnd().split('\n').length })]);
    expect((await cli('verifyOnly', ['audit', 'verify'])).stdout).toContain(`${status.toUpperCase()} `);
    await writeFile(file, saved);
  });

  it('a run written unsigned, or re-signed with another key, fails; a verify key that is not the signer fails every run', async () => {
    expect((await cli('unsigned', ['verify', '--source', 'media'])).exitCode).toBe(0);
    const verified = await cli('verifyOnly', ['--json', 'audit', 'verify']);
    expect(verified.exitCode).toBe(5);
    expect(verified.json.objects.at(-1)).toMatchObject({ status: 'unsigned', error: expect.stringMatching(/not signed/) });
    const file = await newestObject();
    const { createPrivateKey, sign } = await import('node:crypto');
    await editSeal(file, (s) => (s.signature = sign(null, Buffer.from(canonical(s)), createPrivateKey(other.privateKey)).toString('base64')));
    expect((await cli('verifyOnly', ['--json', 'audit', 'verify'])).json.objects.at(-1).status).toBe('bad-signature');
    const wrongKey = await cli('otherKey', ['--json', 'audit', 'verify']);
    expect(wrongKey.exitCode).toBe(5);
    expect(wrongKey.json.objects.slice(0, -1).every((o: { status: string }) => o.status === 'bad-signature')).toBe(true);
  });

  it('a signing key file that is not an Ed25519 PEM key is refused by name, its contents never shown', async () => {
    const verified = await cli('badKey', ['audit', 'verify']);
    expect(verified.exitCode).toBe(2);
    expect(verified.stderr).toMatch(/audit\.signingKeyFile: .*not\.key is not a PEM private key/);
    expect(verified.stderr).not.toContain('hello');
  });

  it('works the same on S3', async () => {
    expect((await cli('s3', ['create', '--source', 'media', '--tenant', 'acme'])).exitCode).toBe(0);
    for (let i = 0; i < 2; i++) expect((await cli('s3', ['verify', '--source', 'media'])).exitCode).toBe(0);
    const verified = await cli('s3', ['--json', 'audit', 'verify']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json).toMatchObject({ signatures: true, objects: [{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }] });
  });
});
