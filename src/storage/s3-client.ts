/**
 * The S3 client of one storage, and the translation of S3 failures into errors an operator can
 * act on. Credentials come from the standard AWS chain (env, shared files, SSO, web identity for
 * EKS, instance metadata) unless the config gives explicit keys, which are registered as secrets.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3StorageConfig } from '../config/schema.js';
import { registerSecret } from '../redact.js';
import { AlreadyExistsError, NotFoundError, StorageError } from './types.js';

/** The SDK's own per-request retries (it re-sends each multipart part it still holds). */
const MAX_ATTEMPTS = 5;

export function createS3Client(config: S3StorageConfig): S3Client {
  // The SDK warns on stderr, once per process, that its releases after January 2027 need Node 22.
  // That is about upgrading the SDK, not about this run, and it would break stderr being NDJSON
  // under --json; the engines field and the README carry the Node requirement instead.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  registerSecret(config.secretAccessKey);
  registerSecret(config.sessionToken);
  const options: S3ClientConfig = {
    forcePathStyle: config.forcePathStyle,
    maxAttempts: MAX_ATTEMPTS,
    // Third-party S3 servers (MinIO releases before 2025, R2, B2, s3rver) reject or ignore the
    // CRC32 trailers that SDK versions from 2025 send by default; MD5/ETag checks still apply.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (config.endpoint) options.endpoint = config.endpoint;
  // A custom endpoint without a region (MinIO, s3rver) still needs one to sign requests.
  const region = config.region ?? (config.endpoint ? 'us-east-1' : undefined);
  if (region) options.region = region;
  if (config.accessKeyId && config.secretAccessKey) {
    options.credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}) };
  }
  return new S3Client(options);
}

export interface S3Failure {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function s3Status(error: unknown): number | undefined {
  return (error as S3Failure).$metadata?.httpStatusCode;
}

export function isS3NotFound(error: unknown): boolean {
  const name = (error as S3Failure).name;
  return name === 'NoSuchKey' || name === 'NotFound' || (s3Status(error) === 404 && name !== 'NoSuchBucket');
}

/** 412 from If-None-Match: * (or 409 when two conditional writes race on AWS). */
export function isS3AlreadyExists(error: unknown): boolean {
  const name = (error as S3Failure).name;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || s3Status(error) === 412;
}

export interface S3Where {
  storage: string;
  bucket: string;
  /** The full object key (prefix included) or key prefix the operation used. */
  objectKey: string;
  /** The storage-relative key, for NotFound/AlreadyExists messages. */
  key?: string;
  /** The S3 action, as IAM names it (s3:PutObject). */
  action: string;
  /** The storage's prefix ('' or ending in '/'), for the IAM resource in hints. */
  root: string;
}

/** Turns an SDK failure into NotFoundError, AlreadyExistsError or a StorageError with a hint. */
export function s3Error(error: unknown, where: S3Where): Error {
  if (error instanceof StorageError) return error;
  if (where.key !== undefined && isS3NotFound(error)) return new NotFoundError(where.storage, where.key);
  if (where.key !== undefined && isS3AlreadyExists(error)) return new AlreadyExistsError(where.storage, where.key);
  const failure = error as S3Failure;
  // Network failures come as plain Errors with a code (ECONNREFUSED); the code says more.
  const name = failure.code && (!failure.name || failure.name === 'Error') ? failure.code : (failure.name ?? 'Error');
  const status = s3Status(error);
  const detail = status ? `${name} (HTTP ${status})` : name;
  const message = `storage "${where.storage}": ${where.action.replace(/^s3:/, '')} on s3://${where.bucket}/${where.objectKey} failed: ${detail}${failure.message && failure.message !== name ? `: ${failure.message}` : ''}`;
  return new StorageError(message, s3Hint(name, status, where, failure.message ?? ''), error);
}

function s3Hint(name: string, status: number | undefined, where: S3Where, text: string): string | undefined {
  const resource = where.action === 's3:ListBucket' || where.action === 's3:ListBucketMultipartUploads' ? `arn:aws:s3:::${where.bucket}` : `arn:aws:s3:::${where.bucket}/${where.root}*`;
  switch (name) {
    case 'NoSuchBucket':
      return `the bucket "${where.bucket}" does not exist at this endpoint: create it, or fix "bucket"/"endpoint"/"region" in the storage's config`;
    case 'AccessDenied':
      return `AccessDenied on ${where.action.replace(/^s3:/, '')}: the policy needs ${where.action} on ${resource}`;
    case 'InvalidAccessKeyId':
      return 'the access key id is not known to this endpoint: check AWS_ACCESS_KEY_ID / "accessKeyId" and "endpoint"';
    case 'SignatureDoesNotMatch':
      return 'the secret access key does not match the access key id: check AWS_SECRET_ACCESS_KEY / "secretAccessKey"';
    case 'CredentialsProviderError':
      return 'no AWS credentials were found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a web identity (EKS IRSA), or "accessKeyId"/"secretAccessKey" in the storage config';
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return `the bucket "${where.bucket}" is in another region: set "region" in the storage's config`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the S3 endpoint cannot be reached: check "endpoint" (and forcePathStyle for MinIO/s3rver), DNS and the network';
    case 'XAmzContentSHA256Mismatch':
    case 'BadDigest':
      return 'the data changed on the way to the server: check proxies between this host and the endpoint';
  }
  if (/region is missing/i.test(text)) return 'set "region" in the storage config, or AWS_REGION';
  if (status === 403) return `the credentials may not ${where.action} here: the policy needs ${where.action} on ${resource}`;
  if (status === 501) return 'this S3-compatible server does not implement the call; see "S3 and S3-compatible stores" in docs/storage.md';
  return undefined;
}
