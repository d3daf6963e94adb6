/** Builds storage drivers from the config by name. Remote drivers are loaded only when used. */
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Config, StorageConfig } from '../config/schema.js';
import { LocalStorage } from './local.js';
import type { Storage } from './types.js';

export async function createStorage(name: string, config: StorageConfig, baseDir: string): Promise<Storage> {
  switch (config.type) {
    case 'local':
      return new LocalStorage(name, path.resolve(baseDir, config.path));
    case 's3': {
      const [{ S3Storage }, { RetryingStorage, defaultRetryPolicy }] = await Promise.all([import('./s3.js'), import('./retry.js')]);
      return new RetryingStorage(new S3Storage(name, config), defaultRetryPolicy, 'puts');
    }
    case 'rclone': {
      const [{ RcloneStorage }, { RetryingStorage }] = await Promise.all([import('./rclone.js'), import('./retry.js')]);
      return new RetryingStorage(new RcloneStorage(name, config, baseDir));
    }
  }
}

export function storageConfig(config: Config, name: string): StorageConfig {
  const found = config.storage[name];
  if (!found) {
    throw new UsageError(`unknown storage "${name}"`, { hint: `storages in the config: ${Object.keys(config.storage).join(', ')}` });
  }
  return found;
}

/** The storages a command writes to: --storage, else defaults.storage, else every configured one. */
export function selectStorageNames(config: Config, requested: readonly string[] | undefined): string[] {
  const names = requested && requested.length > 0 ? [...requested] : (config.defaults.storage ?? Object.keys(config.storage));
  for (const name of names) storageConfig(config, name);
  return [...new Set(names)];
}
