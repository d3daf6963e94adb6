/**
 * age passphrase encryption (the "scrypt" recipient type of age-encryption.org/v1), with
 * node:crypto's native scrypt: the age-encryption package's pure-JS scrypt takes several seconds
 * per archive at the standard work factor. Stanzas are the standard ones, so `age -d` reads them.
 *
 * scrypt at 2^18 needs 256 MiB, by design; derivations run one at a time so `--jobs` does not
 * multiply that memory.
 */
import { Stanza, type Identity, type Recipient } from 'age-encryption';
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

const LABEL = 'age-encryption.org/v1/scrypt';
/** The age CLI's default work factor. */
export const DEFAULT_LOG_N = 18;
/** Higher factors in a header are refused rather than allowed to take gigabytes. */
const MAX_LOG_N = 20;
const SCRYPT_R = 8;

let derivations: Promise<unknown> = Promise.resolve();

function deriveWrapKey(passphrase: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  const run = () =>
    new Promise<Buffer>((resolve, reject) => {
      const labelAndSalt = Buffer.concat([Buffer.from(LABEL), salt]);
      scrypt(passphrase, labelAndSalt, 32, { N, r: SCRYPT_R, p: 1, maxmem: 129 * N * SCRYPT_R }, (error, key) => (error ? reject(error) : resolve(key)));
    });
  const next = derivations.then(run, run);
  derivations = next.catch(() => undefined);
  return next;
}

const ZERO_NONCE = Buffer.alloc(12);

export function wrapFileKey(fileKey: Uint8Array, key: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  const body = cipher.update(fileKey);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** The file key, or null when `key` is not the one that wrapped it. */
export function unwrapFileKey(body: Uint8Array, key: Buffer): Uint8Array | null {
  if (body.length !== 32) throw new Error('invalid stanza body');
  const decipher = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  decipher.setAuthTag(body.subarray(16));
  const fileKey = decipher.update(body.subarray(0, 16));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return new Uint8Array(fileKey);
}

const base64NoPad = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

export class ScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN = DEFAULT_LOG_N,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16);
    const key = await deriveWrapKey(this.passphrase, salt, this.logN);
    return [new Stanza(['scrypt', base64NoPad(salt), String(this.logN)], wrapFileKey(fileKey, key))];
  }
}

export class ScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== 'scrypt') continue;
      // age forbids mixing a passphrase with other recipients: it would let one party swap keys.
      if (stanzas.length !== 1) throw new Error('a scrypt stanza must be the only one in the header');
      const [, saltText, logNText] = stanza.args;
      if (stanza.args.length !== 3 || !saltText || !logNText || !/^[1-9][0-9]*$/.test(logNText)) throw new Error('invalid scrypt stanza');
      const salt = Buffer.from(saltText, 'base64');
      const logN = Number(logNText);
      if (salt.length !== 16) throw new Error('invalid scrypt stanza');
      if (logN > MAX_LOG_N) throw new Error(`scrypt work factor 2^${logN} is above the accepted 2^${MAX_LOG_N}`);
      return unwrapFileKey(stanza.body, await deriveWrapKey(this.passphrase, salt, logN));
    }
    return null;
  }
}
