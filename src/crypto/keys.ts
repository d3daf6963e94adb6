/**
 * Builds encryptors/decryptors from the config's `encryption` block:
 * - encrypting needs only public keys (`recipients`, `recipientsFile`, or per tenant
 *   `tenantRecipients`) or a passphrase, so the backup host cannot read old archives;
 * - decrypting takes every identity given (`identity`, `identityFile`, `identityFiles`: old keys
 *   stay usable after a rotation) and/or the passphrase.
 * Files are read once per config; every secret is registered for redaction.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config, EncryptionConfig } from '../config/schema.js';
import { ExitCode, OrgbackupError, UsageError } from '../errors.js';
import { resolveSecret } from '../config/secrets.js';
// age.js and parse.js (the age library) are loaded only when a config has encryption: every
// command loads this file, and the library costs about a tenth of a second of start-up.
import type { Decryptor, Encryptor } from './types.js';

export interface EncryptorFor {
  source: string;
  tenant: string;
  /** Where relative key file paths start (the config file's directory); the cwd when unset. */
  baseDir?: string;
}

export interface EncryptionKeys {
  /** Default recipients: `recipients` plus the lines of `recipientsFile`. */
  recipients: string[];
  /** `<source>/<tenant>` or `<tenant>` -> that tenant's own recipients. */
  tenantRecipients: Map<string, string[]>;
  passphrase?: string;
}

export interface IdentityKeys {
  identities: string[];
  publicKeys: string[];
  passphrase?: string;
}

const encryptionCache = new WeakMap<EncryptionConfig, Promise<EncryptionKeys>>();

async function readKeyFile(file: string, baseDir: string | undefined, key: string): Promise<string> {
  const full = path.resolve(baseDir ?? '', file);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    throw new UsageError(`${key}: cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { hint: 'check that the key file exists and is readable by this user' });
  }
}

function passphraseOf(enc: EncryptionConfig, baseDir: string | undefined): Promise<string | undefined> {
  const file = enc.passphraseFile ? path.resolve(baseDir ?? '', enc.passphraseFile) : undefined;
  return resolveSecret(enc.passphrase, file, 'encryption.passphraseFile');
}

/** The public side of the config: what archives are encrypted to. */
export function loadEncryptionKeys(enc: EncryptionConfig, baseDir?: string): Promise<EncryptionKeys> {
  let keys = encryptionCache.get(enc);
  if (!keys) {
    keys = (async () => {
      const { checkRecipient, parseRecipients } = await import('./parse.js');
      const recipients = enc.recipients.map((r, i) => checkRecipient(r, `encryption.recipients.${i}`));
      if (enc.recipientsFile) recipients.push(...parseRecipients(await readKeyFile(enc.recipientsFile, baseDir, 'encryption.recipientsFile'), 'encryption.recipientsFile'));
      const tenantRecipients = new Map<string, string[]>();
      for (const [tenant, list] of Object.entries(enc.tenantRecipients ?? {})) {
        tenantRecipients.set(
          tenant,
          list.map((r, i) => checkRecipient(r, `encryption.tenantRecipients.${tenant}.${i}`)),
        );
      }
      const passphrase = await passphraseOf(enc, baseDir);
      return { recipients, tenantRecipients, ...(passphrase !== undefined ? { passphrase } : {}) };
    })();
    encryptionCache.set(enc, keys);
  }
  return keys;
}

/** The secret side: every identity and the passphrase, for restore and verify. */
export async function loadIdentityKeys(enc: EncryptionConfig, baseDir?: string): Promise<IdentityKeys> {
  const { parseIdentities, publicKeysOf } = await import('./parse.js');
  const identities: string[] = [];
  const identity = await resolveSecret(enc.identity, undefined, 'encryption.identity');
  if (identity) identities.push(...parseIdentities(identity, 'encryption.identity'));
  const files = [...(enc.identityFile ? [enc.identityFile] : []), ...enc.identityFiles];
  for (const [i, file] of files.entries()) {
    const key = i === 0 && enc.identityFile ? 'encryption.identityFile' : `encryption.identityFiles.${enc.identityFile ? i - 1 : i}`;
    identities.push(...parseIdentities(await readKeyFile(file, baseDir, key), key));
  }
  const passphrase = await passphraseOf(enc, baseDir);
  return { identities, publicKeys: await publicKeysOf(identities), ...(passphrase !== undefined ? { passphrase } : {}) };
}

/** The recipients of one tenant: its own (crypto-erasure), else the defaults. */
export function recipientsFor(keys: EncryptionKeys, source: string, tenant: string): string[] {
  return keys.tenantRecipients.get(`${source}/${tenant}`) ?? keys.tenantRecipients.get(tenant) ?? keys.recipients;
}

export async function createEncryptor(config: Config, target: EncryptorFor): Promise<Encryptor | undefined> {
  if (!config.encryption) return undefined;
  const [keys, { AgeEncryptor }] = await Promise.all([loadEncryptionKeys(config.encryption, target.baseDir), import('./age.js')]);
  if (keys.passphrase !== undefined) return new AgeEncryptor({ passphrase: keys.passphrase });
  const recipients = recipientsFor(keys, target.source, target.tenant);
  if (recipients.length > 0) return new AgeEncryptor({ recipients });
  // Only this tenant's archive fails (SPEC: one broken tenant never blocks the others).
  return new AgeEncryptor(
    new OrgbackupError(`no age recipient for tenant ${target.tenant} of source ${target.source}, so its archive cannot be encrypted`, ExitCode.failed, {
      hint: `add "${target.source}/${target.tenant}" to encryption.tenantRecipients, or set encryption.recipients as the default`,
    }),
  );
}

/** undefined when no identity or passphrase is configured: encrypted archives then cannot be read. */
export async function createDecryptor(config: Config, baseDir?: string): Promise<Decryptor | undefined> {
  if (!config.encryption) return undefined;
  const keys = await loadIdentityKeys(config.encryption, baseDir);
  if (keys.identities.length === 0 && keys.passphrase === undefined) return undefined;
  const { AgeDecryptor } = await import('./age.js');
  return new AgeDecryptor(keys);
}
