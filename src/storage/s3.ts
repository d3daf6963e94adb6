/**
 * S3 and S3-compatible object stores (AWS, MinIO, R2, B2, GCS interop, s3rver). Keys are relative
 * and live under the configured prefix. How the contract of storage/types.ts is kept:
 *
 * - atomic put: a multipart upload is invisible until CompleteMultipartUpload; a failed or aborted
 *   one is aborted (s3-upload.ts), so no part is left behind while the server can be reached;
 * - never overwrite: a HEAD check fails fast, and `If-None-Match: *` on the write makes AWS (since
 *   2024), R2 and recent MinIO refuse atomically. Servers that ignore the header (s3rver, older
 *   MinIO) keep only the HEAD check, which leaves a window between HEAD and completion; archive ids
 *   carry millisecond timestamps and the sidecar is written last, so this is documented, not hidden;
 * - list pages with ListObjectsV2 (1000 keys a request) and yields as it goes;
 * - transient failures are retried by the SDK per request (each part is re-sent from memory);
 * - with `objectLock`, archives and sidecars are written locked (s3-object-lock.ts), removals of a
 *   locked object are refused as ObjectLockedError, and lockedUntil asks HeadObject first.
 */
import { AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { S3StorageConfig } from '../config/schema.js';
import { createS3Client, isS3NotFound, s3Error, s3Status, type S3Where } from './s3-client.js';
import { estimatedLockEnd, headLockedUntil, isLockRefusal, lockParamsFor } from './s3-object-lock.js';
import { uploadObject } from './s3-upload.js';
import { assertSafeKey, ObjectLockedError, StorageError, type ObjectInfo, type Storage, type StorageOptions } from './types.js';

const MIB = 1024 * 1024;

export class S3Storage implements Storage {
  readonly type = 's3';
  readonly location: string;
  readonly client: S3Client;
  readonly bucket: string;
  /** The configured prefix with one trailing '/', or '' for the bucket's root. */
  readonly root: string;

  /** Keys per ListObjectsV2 page: S3's maximum, 1000; smaller only so tests cross pages cheaply. */
  readonly pageSize: number;

  constructor(
    readonly name: string,
    private readonly config: S3StorageConfig,
    options: { pageSize?: number } = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.bucket = config.bucket;
    const prefix = config.prefix.replace(/^\/+|\/+$/g, '');
    this.root = prefix ? `${prefix}/` : '';
    this.location = `s3://${this.bucket}/${this.root}`;
    this.client = createS3Client(config);
  }

  objectKey(key: string): string {
    assertSafeKey(key);
    return this.root + key;
  }

  private where(action: string, objectKey: string, key?: string): S3Where {
    return { storage: this.name, bucket: this.bucket, root: this.root, objectKey, action, ...(key === undefined ? {} : { key }) };
  }

  async put(key: string, body: Readable | Buffer, options: StorageOptions = {}): Promise<{ size: number }> {
    const objectKey = this.objectKey(key);
    if (await this.exists(key, options)) {
      if (!Buffer.isBuffer(body)) body.destroy();
      throw s3Error(Object.assign(new Error('exists'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }), this.where('s3:PutObject', objectKey, key));
    }
    try {
      const size = await uploadObject({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: objectKey,
          IfNoneMatch: '*',
          ...(this.config.storageClass ? { StorageClass: this.config.storageClass as never } : {}),
          ...(this.config.serverSideEncryption ? { ServerSideEncryption: this.config.serverSideEncryption as never } : {}),
          ...(this.config.sseKmsKeyId ? { SSEKMSKeyId: this.config.sseKmsKeyId } : {}),
          ...lockParamsFor(key, this.config.objectLock, new Date()),
        },
        body,
        partSize: this.config.partSizeMiB * MIB,
        queueSize: this.config.queueSize,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { size };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : error;
      const wrapped = s3Error(error, this.where('s3:PutObject', objectKey, key));
      const orphan = (error as { orphanUploadId?: string }).orphanUploadId;
      if (orphan && wrapped instanceof StorageError) {
        wrapped.hint = `the unfinished upload ${orphan} could not be aborted (the server was unreachable); \`orgbackup prune\` removes it later, or set an AbortIncompleteMultipartUpload lifecycle rule on the bucket`;
      }
      throw wrapped;
    }
  }

  async get(key: string, options: StorageOptions = {}): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), { abortSignal: options.signal });
      return response.Body as Readable;
    } catch (error) {
      throw s3Error(error, this.where('s3:GetObject', objectKey, key));
    }
  }

  async getBuffer(key: string, options: StorageOptions = {}): Promise<Buffer> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), { abortSignal: options.signal });
      const bytes = await response.Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      throw s3Error(error, this.where('s3:GetObject', objectKey, key));
    }
  }

  async exists(key: string, options: StorageOptions = {}): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), { abortSignal: options.signal });
      return true;
    } catch (error) {
      if (isS3NotFound(error)) return false;
      throw s3Error(error, this.where('s3:GetObject', objectKey));
    }
  }

  async *list(prefix: string, options: StorageOptions = {}): AsyncIterable<ObjectInfo> {
    const fullPrefix = this.root + prefix;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: fullPrefix, ContinuationToken: token, MaxKeys: this.pageSize }), { abortSignal: options.signal });
      } catch (error) {
        throw s3Error(error, this.where('s3:ListBucket', fullPrefix));
      }
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.root) || object.Key.endsWith('/')) continue;
        yield { key: object.Key.slice(this.root.length), size: object.Size ?? 0, modified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string, options: StorageOptions = {}): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }), { abortSignal: options.signal });
    } catch (error) {
      if (isS3NotFound(error)) return;
      if (this.config.objectLock && isLockRefusal(error)) throw await this.lockedError(key, objectKey, error, options);
      throw s3Error(error, this.where('s3:DeleteObject', objectKey));
    }
  }

  /** With objectLock: HeadObject's retain-until date when it is still ahead (no request without objectLock). */
  async lockedUntil(key: string, options: StorageOptions = {}): Promise<Date | undefined> {
    if (!this.config.objectLock) return undefined;
    const objectKey = this.objectKey(key);
    try {
      return await headLockedUntil(this.client, this.bucket, objectKey, new Date(), options.signal);
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw s3Error(error, this.where('s3:GetObject', objectKey, key));
    }
  }

  /** The refusal as ObjectLockedError, dated by HeadObject, else estimated from the object's time and objectLock.days. */
  private async lockedError(key: string, objectKey: string, error: unknown, options: StorageOptions): Promise<ObjectLockedError> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }), { abortSignal: options.signal }).catch(() => undefined);
    const until = head?.ObjectLockRetainUntilDate ?? estimatedLockEnd(head?.LastModified, this.config.objectLock!);
    const failure = error as { name?: string; message?: string };
    return new ObjectLockedError(this.name, key, until, `the delete was refused (${failure.name ?? 'Error'}${failure.message && failure.message !== failure.name ? `: ${failure.message}` : ''})`);
  }

  /** Aborts multipart uploads under the prefix started before `olderThan` (left by killed runs). */
  async cleanupIncomplete(olderThan: Date, options: StorageOptions = {}): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.root, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }), {
          abortSignal: options.signal,
        });
      } catch (error) {
        // A server without ListMultipartUploads cannot be cleaned this way; nothing to do here.
        if (s3Status(error) === 501 || (error as { name?: string }).name === 'NotImplemented') return removed;
        throw s3Error(error, this.where('s3:ListBucketMultipartUploads', this.root));
      }
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= olderThan) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }), { abortSignal: options.signal });
          removed++;
        } catch (error) {
          if (!isS3NotFound(error)) throw s3Error(error, this.where('s3:AbortMultipartUpload', upload.Key));
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed;
  }
}
