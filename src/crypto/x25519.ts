/**
 * The age X25519 recipient (age-encryption.org/v1 "X25519" stanza) with node:crypto. The
 * age-encryption package does the same through WebCrypto key imports, which cost about 3.5 ms of
 * CPU per archive; natively it is about 0.1 ms, which matters with thousands of tenants
 * (bench/RESULTS.md "Encryption"). Decryption still goes through the package's X25519 identity.
 */
import { Stanza, type Recipient } from 'age-encryption';
import { createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { wrapFileKey } from './scrypt.js';

const LABEL = 'age-encryption.org/v1/X25519';
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) checksum ^= g;
    });
  }
  return checksum;
}

/** BIP-173 bech32 (as age uses it, without the 90-character limit) -> prefix and bytes. */
export function bech32Decode(text: string): { prefix: string; bytes: Buffer } {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw new Error('mixed-case bech32');
  const lower = text.toLowerCase();
  const split = lower.lastIndexOf('1');
  if (split < 1 || lower.length - split < 7) throw new Error('malformed bech32');
  const prefix = lower.slice(0, split);
  const data = [...lower.slice(split + 1)].map((c) => CHARSET.indexOf(c));
  if (data.some((d) => d < 0)) throw new Error('invalid bech32 character');
  const expanded = [...prefix]
    .map((c) => c.charCodeAt(0) >> 5)
    .concat(
      [0],
      [...prefix].map((c) => c.charCodeAt(0) & 31),
    );
  if (polymod([...expanded, ...data]) !== 1) throw new Error('bad bech32 checksum');
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const word of data.slice(0, -6)) {
    acc = ((acc << 5) | word) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) throw new Error('non-zero bech32 padding');
  return { prefix, bytes: Buffer.from(bytes) };
}

export class X25519Recipient implements Recipient {
  private readonly publicKey: Buffer;
  private readonly keyObject: KeyObject;

  constructor(recipient: string) {
    const { prefix, bytes } = bech32Decode(recipient);
    if (prefix !== 'age' || bytes.length !== 32) throw new Error('not an age X25519 recipient');
    this.publicKey = bytes;
    this.keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: bytes.toString('base64url') }, format: 'jwk' });
  }

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const ephemeral = generateKeyPairSync('x25519');
    const share = Buffer.from(ephemeral.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: this.keyObject });
    // A low-order recipient key gives an all-zero secret; age refuses it.
    if (secret.every((b) => b === 0)) throw new Error('the recipient is a low-order point');
    const key = Buffer.from(hkdfSync('sha256', secret, Buffer.concat([share, this.publicKey]), LABEL, 32));
    return [new Stanza(['X25519', share.toString('base64').replace(/=+$/, '')], wrapFileKey(fileKey, key))];
  }
}

const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const recipients = new Map<string, X25519Recipient>();

/** Plain X25519 keys are wrapped natively; other types (post-quantum, tags) by the package. */
export function isNativeRecipient(recipient: string): boolean {
  return X25519_RECIPIENT.test(recipient);
}

/** One parsed key object per recipient for the whole run. */
export function nativeRecipient(recipient: string): X25519Recipient {
  let parsed = recipients.get(recipient);
  if (!parsed) {
    parsed = new X25519Recipient(recipient);
    recipients.set(recipient, parsed);
  }
  return parsed;
}
