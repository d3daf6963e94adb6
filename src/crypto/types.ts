/** The encryption seam: create encrypts the zip stream; verify and restore decrypt it. */
import type { Readable } from 'node:stream';

export interface Encryptor {
  /** Public recipients recorded in the manifest (never a secret). */
  recipients: string[];
  passphrase: boolean;
  encrypt(plain: Readable): Readable;
}

export interface Decryptor {
  /** Decrypts a stored object; errors name `what` and say which key to check. */
  decrypt(ciphertext: Readable, what: string): Readable;
}
