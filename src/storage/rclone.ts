// PLACEHOLDER (issue 7): replaced by the rclone driver.
import type { Storage } from './types.js';
import type { RcloneStorageConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
const Placeholder = class RcloneStorage {
  constructor(name: string, _config: RcloneStorageConfig, _baseDir: string) {
    throw new UsageError(`storage "${name}": rclone storage is not available in this build yet`);
  }
}
export const RcloneStorage = Placeholder as unknown as new (name: string, config: RcloneStorageConfig, baseDir: string) => Storage;
