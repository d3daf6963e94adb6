/**
 * age encryption of whole archives (standard age-encryption.org/v1 files: `age -d` reads what
 * this writes, and this reads what `age` writes). Encrypting needs only public keys or a
 * passphrase; decrypting needs an identity (secret key) or the passphrase.
 */
import { Decrypter } from 'age-encryption';
import type { Readable } from 'node:stream';
import { VerificationError, type OrgbackupError } from '../errors.js';
import { DecryptStream, HeaderOpenError, NotAgeError } from './decrypt-stream.js';
import { sealHeader, stanzaTypes, type SealWith } from './header.js';
import { ScryptIdentity } from './scrypt.js';
import { ChunkAuthError, EncryptStream } from './stream.js';
import type { Decryptor, Encryptor } from './types.js';

export class AgeEncryptor implements Encryptor {
  readonly recipients: string[];
  readonly passphrase: boolean;
  readonly #seal: SealWith | OrgbackupError;

  /** `seal` may be the reason this tenant cannot be encrypted: only its archive then fails. */
  constructor(seal: SealWith | OrgbackupError) {
    this.#seal = seal;
    this.recipients = !(seal instanceof Error) && 'recipients' in seal ? [...seal.recipients] : [];
    this.passphrase = !(seal instanceof Error) && 'passphrase' in seal;
  }

  encrypt(plain: Readable): Readable {
    const seal = this.#seal;
    const keys = seal instanceof Error ? Promise.reject(seal) : sealHeader(seal);
    // Observed later by the stream; this only keeps an early failure from being "unhandled".
    keys.catch(() => undefined);
    const encrypted = new EncryptStream(keys);
    plain.on('error', (error) => encrypted.destroy(error));
    return plain.pipe(encrypted);
  }
}

export interface DecryptionKeys {
  /** AGE-SECRET-KEY-1... strings (secrets). */
  identities: string[];
  /** The identities' public keys, for messages. */
  publicKeys: string[];
  passphrase?: string;
}

export class AgeDecryptor implements Decryptor {
  readonly #decrypter = new Decrypter();
  readonly #identityCount: number;
  readonly #publicKeys: string[];
  readonly #hasPassphrase: boolean;
  readonly #fileKeys = new Map<string, Promise<Uint8Array>>();

  constructor(keys: DecryptionKeys) {
    for (const identity of keys.identities) this.#decrypter.addIdentity(identity);
    if (keys.passphrase !== undefined) this.#decrypter.addIdentity(new ScryptIdentity(keys.passphrase));
    this.#identityCount = keys.identities.length;
    this.#publicKeys = keys.publicKeys;
    this.#hasPassphrase = keys.passphrase !== undefined;
  }

  decrypt(ciphertext: Readable, what: string): Readable {
    const plain = new DecryptStream(
      (header) => this.fileKey(header),
      (error) => this.describe(error, what),
    );
    ciphertext.on('error', (error) => plain.destroy(error));
    return ciphertext.pipe(plain);
  }

  /**
   * A restore reads an archive twice (verify, then load): the file key of a header already opened
   * is reused, which spares a second scrypt derivation for passphrase archives.
   */
  private fileKey(header: Buffer): Promise<Uint8Array> {
    const id = header.toString('base64');
    let key = this.#fileKeys.get(id);
    if (!key) {
      key = this.#decrypter.decryptHeader(header);
      this.#fileKeys.set(id, key);
      key.catch(() => this.#fileKeys.delete(id));
    }
    return key;
  }

  /** One line naming the archive and what to check; never a secret. */
  describe(error: unknown, what: string): VerificationError {
    const damaged = 'the archive is damaged or was replaced; verify its copy in another storage or use another archive';
    if (error instanceof NotAgeError) {
      const message = error.reason === 'not-age' ? `${what} is not an age-encrypted file (it does not start with an age header)` : `${what} ends inside its age header (the object is truncated)`;
      return new VerificationError(message, { hint: damaged });
    }
    if (error instanceof ChunkAuthError) {
      const detail = error.reason === 'truncated' ? `${error.message} (the object is truncated)` : `${error.message} (the data was altered or cut short)`;
      return new VerificationError(`${what} cannot be decrypted: ${detail}`, { hint: damaged });
    }
    if (error instanceof HeaderOpenError) return this.describeHeaderError(error, what, damaged);
    return new VerificationError(`${what} cannot be decrypted: ${error instanceof Error ? error.message : String(error)}`, { hint: damaged });
  }

  private describeHeaderError(error: HeaderOpenError, what: string, damaged: string): VerificationError {
    if (/invalid header HMAC/i.test(error.message)) return new VerificationError(`${what}: its age header was altered (the header MAC does not match)`, { hint: damaged });
    if (!/no identity matched/i.test(error.message)) return new VerificationError(`${what}: its age header is damaged (${error.message})`, { hint: damaged });
    const types = stanzaTypes(error.header);
    if (types.includes('scrypt')) {
      if (!this.#hasPassphrase)
        return new VerificationError(`${what} is passphrase-encrypted and no passphrase is configured`, {
          hint: 'set encryption.passphraseFile (or passphrase) to the passphrase it was written with',
        });
      return new VerificationError(`${what}: the configured passphrase does not decrypt it (wrong passphrase)`, {
        hint: 'check encryption.passphrase / passphraseFile: it must be the passphrase the archive was written with',
      });
    }
    const recipientsHint = `set encryption.identityFile (or identityFiles, keeping rotated-out keys) to the secret key of one of its recipients, listed under encryption.recipients in its sidecar manifest`;
    if (this.#identityCount === 0) return new VerificationError(`${what} is encrypted to age public keys (${types.join(', ')}) and no identity is configured`, { hint: recipientsHint });
    return new VerificationError(`${what}: none of the ${this.#identityCount} configured identities (${this.#publicKeys.join(', ')}) can decrypt it (wrong identity)`, { hint: recipientsHint });
  }
}
