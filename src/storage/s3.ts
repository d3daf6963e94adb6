// PLACEHOLDER (issue 7): replaced by the S3 driver.
import type { Storage } from './types.js';
import type { S3StorageConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
const Placeholder = class S3Storage {
  constructor(name: string, _config: S3StorageConfig) {
    throw new UsageError(`storage "${name}": s3 storage is not available in this build yet`);
  }
}
export const S3Storage = Placeholder as unknown as new (name: string, config: S3StorageConfig) => Storage;
