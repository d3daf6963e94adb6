/**
 * The age streams in process, against the stock `age` CLI (Debian package `age`): what orgbackup
 * writes `age -d` reads byte for byte, what `age -r` writes orgbackup reads, and every kind of
 * damage gives its one-line error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { generateHybridIdentity, generateIdentity, identityToRecipient } from 'age-encryption';
import { AgeDecryptor, AgeEncryptor, type DecryptionKeys } from '../../src/crypto/age.js';
import { CIPHER_CHUNK, PLAIN_CHUNK } from '../../src/crypto/stream.js';
import { VerificationError } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
let removeDir: () => Promise<void>;
let identity: string;
let recipient: string;
let keyFile: string;

beforeAll(async () => {
  const made = await tempDir('orgbackup-crypto-');
  dir = made.dir;
  removeDir = () => made.cleanup();
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  keyFile = path.join(dir, 'key.txt');
  await writeFile(keyFile, `# test key\n${identity}\n`, { mode: 0o600 });
});
afterAll(() => removeDir());

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds `data` in uneven pieces, as a storage stream would. */
function source(data: Buffer, piece = 7919): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece) pieces.push(data.subarray(i, i + piece));
  return Readable.from(pieces);
}

const encryptTo = (plain: Buffer, recipients = [recipient]) => collect(new AgeEncryptor({ recipients }).encrypt(source(plain)));
const decryptWith = (sealed: Buffer, keys: DecryptionKeys = { identities: [identity], publicKeys: [recipient] }) => collect(new AgeDecryptor(keys).decrypt(source(sealed, 65_000), 'archive app/t1/x'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('age streams interoperate with the age CLI', () => {
  it.each([0, 1, PLAIN_CHUNK - 1, PLAIN_CHUNK, PLAIN_CHUNK + 1, 2 * PLAIN_CHUNK, 300_000])('%i bytes: orgbackup -> age -d and age -r -> orgbackup', async (size) => {
    const plain = randomBytes(size);
    const sealed = await encryptTo(plain);
    expect(sealed.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    const file = path.join(dir, `ours-${size}.age`);
    await writeFile(file, sealed);
    // execa strips a final newline by default, which random data ends with one time in 256.
    const byCli = await execa('age', ['-d', '-i', keyFile, file], { encoding: 'buffer', stripFinalNewline: false });
    expect(sha(Buffer.from(byCli.stdout))).toBe(sha(plain));

    const plainFile = path.join(dir, `plain-${size}`);
    await writeFile(plainFile, plain);
    await execa('age', ['-r', recipient, '-o', `${plainFile}.age`, plainFile]);
    expect(sha(await decryptWith(await readFile(`${plainFile}.age`)))).toBe(sha(plain));
  });

  it('encrypts to several recipients; each identity alone decrypts (key rotation)', async () => {
    const other = await generateIdentity();
    const plain = randomBytes(100_000);
    const sealed = await encryptTo(plain, [recipient, await identityToRecipient(other)]);
    expect(sha(await decryptWith(sealed, { identities: [other], publicKeys: [] }))).toBe(sha(plain));
    expect(sha(await decryptWith(sealed, { identities: [await generateIdentity(), identity], publicKeys: [] }))).toBe(sha(plain));
  });

  it('a post-quantum recipient (built by the age-encryption package) round-trips', async () => {
    const pq = await generateHybridIdentity();
    const plain = randomBytes(70_000);
    const sealed = await encryptTo(plain, [await identityToRecipient(pq)]);
    expect(sealed.toString('latin1', 0, 200)).toContain('-> mlkem768x25519');
    expect(sha(await decryptWith(sealed, { identities: [pq], publicKeys: [] }))).toBe(sha(plain));
  });

  it('a passphrase archive round-trips and names a wrong passphrase', async () => {
    const plain = randomBytes(70_000);
    const sealed = await collect(new AgeEncryptor({ passphrase: 'correct horse battery', logN: 12 }).encrypt(source(plain)));
    expect(sealed.toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt \S+ 12\n/);
    expect(sha(await decryptWith(sealed, { identities: [], publicKeys: [], passphrase: 'correct horse battery' }))).toBe(sha(plain));
    await expect(decryptWith(sealed, { identities: [], publicKeys: [], passphrase: 'wrong horse' })).rejects.toThrow(
      /archive app\/t1\/x: the configured passphrase does not decrypt it \(wrong passphrase\)/,
    );
    await expect(decryptWith(sealed)).rejects.toThrow(/archive app\/t1\/x is passphrase-encrypted and no passphrase is configured/);
  });

  it('the stock age CLI decrypts a passphrase archive (scrypt stanza at the standard work factor)', async () => {
    const plain = randomBytes(10_000);
    const file = path.join(dir, 'pass.age');
    await writeFile(file, await collect(new AgeEncryptor({ passphrase: 'pass phrase 42' }).encrypt(source(plain))));
    // age reads passphrases from a terminal only; `script` gives it one.
    const out = path.join(dir, 'pass.out');
    await execa('script', ['-qec', `age -d -o ${out} ${file}`, '/dev/null'], { input: 'pass phrase 42\n' });
    expect(sha(await readFile(out))).toBe(sha(plain));
  });
});

describe('damaged or foreign ciphertext gives one line naming the archive', () => {
  const cases: [string, (sealed: Buffer) => Buffer, RegExp][] = [
    ['a byte changed in the payload', (b) => flip(b, b.length - 100), /cannot be decrypted: encrypted chunk 4 fails authentication \(the data was altered or cut short\)/],
    ['a byte changed in the first chunk', (b) => flip(b, 300), /encrypted chunk 0 fails authentication/],
    ['a byte changed in the header MAC line', (b) => flip(b, b.indexOf('\n---') + 6), /its age header (was altered|is damaged)/],
    ['a byte changed in a stanza', (b) => flip(b, 40), /(none of the 1 configured identities|age header (is damaged|was altered))/],
    ['cut inside the last chunk', (b) => b.subarray(0, b.length - 10), /encrypted chunk 4 fails authentication/],
    ['cut at a chunk boundary', (b) => b.subarray(0, headerLength(b) + 16 + 2 * CIPHER_CHUNK), /ends after chunk 1 without its final chunk \(the object is truncated\)/],
    ['cut inside the header', (b) => b.subarray(0, 50), /ends inside its age header \(the object is truncated\)/],
    ['cut before the first chunk', (b) => b.subarray(0, headerLength(b) + 16), /ends after chunk 0 without its final chunk|encrypted chunk 0/],
    ['not an age file', () => Buffer.from('PK\x03\x04 plain zip'), /is not an age-encrypted file/],
    ['empty object', () => Buffer.alloc(0), /is not an age-encrypted file/],
  ];
  let sealed: Buffer;
  beforeAll(async () => {
    sealed = await encryptTo(randomBytes(4 * PLAIN_CHUNK + 5000));
  });

  it.each(cases)('%s', async (_label, damage, message) => {
    const error = await decryptWith(damage(sealed)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VerificationError);
    const { message: text, exitCode, hint } = error as VerificationError;
    expect(text).toMatch(/archive app\/t1\/x/);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
    expect(exitCode).toBe(5);
    expect(hint).toBeTruthy();
  });

  it('a wrong identity names the configured public keys, never the secret', async () => {
    const wrong = await generateIdentity();
    const wrongPublic = await identityToRecipient(wrong);
    const error = (await decryptWith(sealed, { identities: [wrong], publicKeys: [wrongPublic] }).catch((e: unknown) => e)) as VerificationError;
    expect(error.message).toBe(`archive app/t1/x: none of the 1 configured identities (${wrongPublic}) can decrypt it (wrong identity)`);
    expect(`${error.message} ${error.hint}`).not.toContain(wrong);
  });

  it('an archive for public keys with only a passphrase configured says no identity is configured', async () => {
    const error = (await decryptWith(sealed, { identities: [], publicKeys: [], passphrase: 'x' }).catch((e: unknown) => e)) as VerificationError;
    expect(error.message).toBe('archive app/t1/x is encrypted to age public keys (X25519) and no identity is configured');
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

function headerLength(bytes: Buffer): number {
  return bytes.indexOf('\n', bytes.indexOf('\n---') + 1) + 1;
}
