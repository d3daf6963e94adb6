/**
 * S3 Object Lock for the S3 driver (docs/storage.md "S3 Object Lock"). With `objectLock` in the
 * storage's config, archive objects and sidecars (the keys layout.ts parseKey recognises) are
 * written with ObjectLockMode and a retain-until date `days` after the write, through PutObject and
 * lib-storage's CreateMultipartUpload alike. AWS then wants a checksum on every PutObject and
 * UploadPart, so such puts ask for CRC32 (computed on the buffered parts, sent as a header).
 * Everything else (holds, locks, state, audit, probes) is written unlocked: it must stay removable.
 */
import { GetObjectLockConfigurationCommand, HeadObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { parseKey } from '../archive/layout.js';
import type { S3StorageConfig } from '../config/schema.js';
import { s3Status, type S3Failure } from './s3-client.js';

const DAY_MS = 86_400_000;

type LockParams = Pick<PutObjectCommandInput, 'ObjectLockMode' | 'ObjectLockRetainUntilDate' | 'ChecksumAlgorithm'>;

/** The Object Lock parameters of a put of `key` at `now` (none when the key or the config asks for none). Pure. */
export function lockParamsFor(key: string, lock: S3StorageConfig['objectLock'], now: Date): LockParams {
  if (!lock || !parseKey(key)) return {};
  return {
    ObjectLockMode: lock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE',
    ObjectLockRetainUntilDate: new Date(now.getTime() + lock.days * DAY_MS),
    ChecksumAlgorithm: 'CRC32',
  };
}

/**
 * Whether a failed DELETE is the lock refusing it: AWS answers AccessDenied (for a locked version)
 * or InvalidRequest; some servers say so only in the message. Only asked for storages with
 * objectLock configured, where an AccessDenied on delete is taken as the lock (a policy without
 * s3:DeleteObject shows up in preflight's write probe instead). Pure.
 */
export function isLockRefusal(error: unknown): boolean {
  const failure = error as S3Failure;
  const name = failure.name ?? failure.code ?? '';
  if (name === 'AccessDenied' || name === 'InvalidRequest' || (s3Status(error) === 403 && name !== 'InvalidAccessKeyId' && name !== 'SignatureDoesNotMatch')) return true;
  return /object lock|retention|WORM/i.test(failure.message ?? '');
}

/** The retain-until date HeadObject reports, when it is in the future; undefined otherwise. */
export async function headLockedUntil(client: S3Client, bucket: string, objectKey: string, now: Date, signal?: AbortSignal): Promise<Date | undefined> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }), { abortSignal: signal });
  const until = head.ObjectLockRetainUntilDate;
  return until && until.getTime() > now.getTime() ? until : undefined;
}

/** When the server cannot say (no retain-until in HeadObject): the date our own put asked for, from the object's time. */
export function estimatedLockEnd(modified: Date | undefined, lock: NonNullable<S3StorageConfig['objectLock']>): Date | undefined {
  return modified ? new Date(modified.getTime() + lock.days * DAY_MS) : undefined;
}

export type BucketLockState = { enabled: true; defaultRetention?: string } | { enabled: false; why: string };

/** What GetObjectLockConfiguration says of the bucket; a server without the call says "not enabled". */
export async function bucketLockState(client: S3Client, bucket: string, signal?: AbortSignal): Promise<BucketLockState> {
  try {
    const answer = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), { abortSignal: signal });
    const config = answer.ObjectLockConfiguration;
    if (config?.ObjectLockEnabled !== 'Enabled') return { enabled: false, why: 'the bucket reports no Object Lock configuration' };
    const rule = config.Rule?.DefaultRetention;
    return { enabled: true, ...(rule ? { defaultRetention: `${rule.Mode ?? '?'} ${rule.Days ? `${rule.Days}d` : `${rule.Years ?? '?'}y`}` } : {}) };
  } catch (error) {
    const failure = error as S3Failure;
    const name = failure.name ?? 'Error';
    if (name === 'ObjectLockConfigurationNotFoundError') return { enabled: false, why: 'Object Lock is not enabled on the bucket (ObjectLockConfigurationNotFoundError)' };
    if (name === 'NotImplemented' || s3Status(error) === 501) return { enabled: false, why: 'the server does not implement GetObjectLockConfiguration (NotImplemented): it has no Object Lock' };
    throw error;
  }
}
