/** Builds encryptors/decryptors from the config's `encryption` block. */
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Decryptor, Encryptor } from './types.js';

export interface EncryptorFor {
  source: string;
  tenant: string;
}

export async function createEncryptor(config: Config, _for: EncryptorFor): Promise<Encryptor | undefined> {
  if (!config.encryption) return undefined;
  throw new UsageError('encryption is configured, but this build cannot encrypt yet');
}

export async function createDecryptor(config: Config): Promise<Decryptor | undefined> {
  if (!config.encryption) return undefined;
  throw new UsageError('encryption is configured, but this build cannot decrypt yet');
}
