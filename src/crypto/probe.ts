/** A real round trip for preflight: a small probe encrypted to `recipients`, then decrypted. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AgeDecryptor, AgeEncryptor, type DecryptionKeys } from './age.js';

/** Whether `keys` decrypt what is encrypted to `recipients` (and the plaintext comes back intact). */
export async function canDecrypt(recipients: string[], keys: DecryptionKeys): Promise<boolean> {
  const probe = randomBytes(1024);
  const sealed = new AgeEncryptor({ recipients }).encrypt(Readable.from([probe]));
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of new AgeDecryptor(keys).decrypt(sealed, 'the preflight probe')) chunks.push(chunk as Buffer);
  } catch {
    return false;
  }
  return Buffer.concat(chunks).equals(probe);
}
