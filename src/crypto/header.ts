/**
 * The age header (age-encryption.org/v1): recipient stanzas, a MAC, then a 16-byte nonce from
 * which the payload key is derived. The header itself is built and opened by the age-encryption
 * package (post-quantum wrapping, the header encoding and MAC; X25519 and scrypt wrapping are
 * native, see x25519.ts and scrypt.ts); only the payload key is taken out, so the payload can be
 * sealed natively (stream.ts).
 */
import { Encrypter, type Recipient } from 'age-encryption';
import { hkdfSync } from 'node:crypto';
import { ScryptRecipient } from './scrypt.js';
import { toRecipient } from './x25519.js';
import { TAG_SIZE } from './stream.js';

export const NONCE_SIZE = 16;
const MAGIC = Buffer.from('age-encryption.org/v1\n');
/** A header with thousands of recipients is still far below this; more means "not age". */
const MAX_HEADER = 1024 * 1024;

export type SealWith = { recipients: string[] } | { passphrase: string; logN?: number };

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** A fresh file key sealed for the recipients: the header and nonce, and the payload key. */
export async function sealHeader(seal: SealWith): Promise<{ prefix: Buffer; payloadKey: Buffer }> {
  const encrypter = new Encrypter();
  if ('passphrase' in seal) encrypter.addRecipient(new ScryptRecipient(seal.passphrase, seal.logN));
  else {
    if (seal.recipients.length === 0) throw new Error('no recipients to encrypt to');
    for (const recipient of seal.recipients) encrypter.addRecipient(toRecipient(recipient));
  }
  let fileKey: Uint8Array | undefined;
  // Adds no stanza: it only learns the file key, which the native payload cipher needs.
  const keyListener: Recipient = {
    wrapFileKey(key) {
      fileKey = Uint8Array.from(key);
      return [];
    },
  };
  encrypter.addRecipient(keyListener);
  // An empty plaintext is sealed as header, nonce and one final chunk that is just its tag.
  const sealed = await encrypter.encrypt(new Uint8Array(0));
  if (!fileKey) throw new Error('internal: the age file key was not observed');
  const prefix = Buffer.from(sealed.subarray(0, sealed.length - TAG_SIZE));
  return { prefix, payloadKey: payloadKey(fileKey, prefix.subarray(prefix.length - NONCE_SIZE)) };
}

export type HeaderSplit = { state: 'complete'; header: Buffer; rest: Buffer } | { state: 'more' } | { state: 'not-age' };

/** Finds the end of the header (the MAC line `--- ...\n`) in the bytes read so far. */
export function splitHeader(bytes: Buffer): HeaderSplit {
  const prefixLength = Math.min(bytes.length, MAGIC.length);
  if (!bytes.subarray(0, prefixLength).equals(MAGIC.subarray(0, prefixLength))) return { state: 'not-age' };
  // Stanza lines start with "->" and bodies are base64, so the first "\n---" is the MAC line.
  const macLine = bytes.indexOf('\n---', MAGIC.length - 1);
  const end = macLine < 0 ? -1 : bytes.indexOf('\n', macLine + 1);
  if (end < 0) return bytes.length > MAX_HEADER ? { state: 'not-age' } : { state: 'more' };
  return { state: 'complete', header: bytes.subarray(0, end + 1), rest: bytes.subarray(end + 1) };
}

/** The recipient types named in a header (`X25519`, `scrypt`, ...), for error messages. */
export function stanzaTypes(header: Buffer): string[] {
  return header
    .toString('latin1')
    .split('\n')
    .filter((line) => line.startsWith('-> '))
    .map((line) => line.split(' ')[1] ?? '');
}
