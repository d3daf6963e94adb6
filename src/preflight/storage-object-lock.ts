/**
 * S3 storages with `objectLock`: the bucket must have Object Lock enabled, or every locked put
 * would be refused (AWS: InvalidRequest) or, on a server without locks, silently stored unlocked.
 * Asked with GetObjectLockConfiguration; a server that does not implement it (s3rver, some
 * S3-compatible stores) fails the check: it cannot keep the promise the config makes.
 */
import type { Context } from '../context.js';
import { errorMessage } from '../errors.js';
import { createS3Client } from '../storage/s3-client.js';
import { bucketLockState } from '../storage/s3-object-lock.js';
import { fail, pass, type CheckResult } from './types.js';

export async function checkObjectLock(ctx: Context, name: string): Promise<CheckResult[]> {
  const config = ctx.config.storage[name];
  if (config?.type !== 's3' || !config.objectLock) return [];
  const id = `storage.${name}.object-lock`;
  const wanted = `${config.objectLock.mode} ${config.objectLock.days}d`;
  try {
    const state = await bucketLockState(createS3Client(config), config.bucket, ctx.signal);
    if (!state.enabled) {
      return [
        fail(
          id,
          `objectLock (${wanted}) is configured, but bucket "${config.bucket}" cannot lock objects: ${state.why}`,
          'enable Object Lock on the bucket (only possible at creation on most servers: create a new bucket with Object Lock), or remove "objectLock" from the storage',
          name,
        ),
      ];
    }
    return [
      pass(id, `bucket "${config.bucket}" has Object Lock enabled${state.defaultRetention ? ` (default retention ${state.defaultRetention})` : ''}; archives and sidecars are written ${wanted}`, name),
    ];
  } catch (error) {
    return [fail(id, `cannot read the Object Lock configuration of bucket "${config.bucket}": ${errorMessage(error)}`, 'the credentials need s3:GetBucketObjectLockConfiguration on the bucket', name)];
  }
}
