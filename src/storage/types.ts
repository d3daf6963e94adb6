/**
 * The storage contract every driver (local, s3, rclone) keeps, and that the shared conformance
 * suite (test/integration/storage-conformance.ts) checks:
 *
 * - `put(key, body)` is atomic: the object becomes visible under `key` only when every byte has
 *   been written and made durable; a failed or aborted put leaves nothing under `key`. It never
 *   overwrites: when `key` exists it fails with AlreadyExistsError and the old object is intact.
 *   A stream body is read once; a streamed put is retried (storage/retry.ts) only from `replay`, a
 *   fresh stream of the same bytes. A Buffer body may be retried freely.
 * - `get(key)` streams an object; a missing key fails with NotFoundError.
 * - `list(prefix)` yields every committed object under the prefix exactly once, as it reads the listing (S3 a
 *   page at a time, rclone an entry at a time as lsjson prints it), never loading everything first. Any order, except that the objects of one directory
 *   (keys equal up to their last '/') come together, never interleaved with another directory's:
 *   a tenant's archives are one directory, and list/prune/verify process the fleet a tenant at a
 *   time as it arrives (archive/catalog.ts listTenantGroups). S3 keeps it by listing in key
 *   order, local storage by walking a directory at a time, rclone by printing a directory's
 *   entries together. Temporary upload files are not objects.
 * - `delete(key)` removes one object; deleting a missing key is not an error.
 * - Permanent errors (no such bucket, access denied, unknown remote) are StorageError with a hint;
 *   transient ones may be retried by callers with backoff (storage/retry.ts).
 *
 * Keys are relative, '/'-separated, and never start with '/' or contain '..'; a driver maps them
 * under its own root (a directory, a bucket prefix, an rclone path).
 */
import type { Readable } from 'node:stream';
import { OrgbackupError, ExitCode } from '../errors.js';

export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

export interface StorageOptions {
  signal?: AbortSignal;
  /**
   * A fresh stream of the same bytes as a streamed put's body (the archive spooled in the private
   * temp dir), opened once per retry: what lets the retry wrapper replay a streamed put.
   */
  replay?: () => Promise<Readable>;
  /** Told before each retry of a put (to log it). */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  storage: string;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  attempts: number;
  delayMs: number;
  error: unknown;
}

export interface Storage {
  readonly name: string;
  readonly type: string;
  /** Human description for messages: a path, `s3://bucket/prefix`, `remote:path`. */
  readonly location: string;
  put(key: string, body: Readable | Buffer, options?: StorageOptions): Promise<{ size: number }>;
  get(key: string, options?: StorageOptions): Promise<Readable>;
  /** Reads a small object whole (sidecars, state, locks). */
  getBuffer(key: string, options?: StorageOptions): Promise<Buffer>;
  exists(key: string, options?: StorageOptions): Promise<boolean>;
  list(prefix: string, options?: StorageOptions): AsyncIterable<ObjectInfo>;
  delete(key: string, options?: StorageOptions): Promise<void>;
  /**
   * Removes leftovers of interrupted puts older than `olderThan` (temp files, incomplete
   * multipart uploads) and returns how many it removed.
   */
  cleanupIncomplete?(olderThan: Date, options?: StorageOptions): Promise<number>;
  /** True when a streamed put given `replay` is retried (the caller then spools the body). */
  readonly replaysPuts?: boolean;
  /**
   * Until when the object may not be removed (S3 Object Lock retention), or undefined when it is
   * not locked or the driver has no locks. Asked before removing, because on a versioned bucket a
   * DELETE of a locked object "succeeds" by adding a delete marker and keeps the bytes.
   */
  lockedUntil?(key: string, options?: StorageOptions): Promise<Date | undefined>;
}

export class StorageError extends OrgbackupError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, ExitCode.failed, { hint, cause });
  }
}

export class NotFoundError extends StorageError {
  constructor(storage: string, key: string) {
    super(`${key} does not exist in storage "${storage}"`, 'check the archive id with `orgbackup list`');
  }
}

export class AlreadyExistsError extends StorageError {
  constructor(storage: string, key: string) {
    super(`${key} already exists in storage "${storage}"; archives are never overwritten`, 'wait a millisecond and run again, or remove the old object');
  }
}

/** A delete refused because the object is locked (S3 Object Lock); `until` when the server or the config says. */
export class ObjectLockedError extends StorageError {
  constructor(
    storage: string,
    key: string,
    readonly until: Date | undefined,
    detail: string,
  ) {
    super(
      `${key} in storage "${storage}" is locked${until ? ` until ${until.toISOString()}` : ''} (S3 Object Lock): ${detail}`,
      'a locked object is removed once its retain-until date has passed; prune retries it then',
    );
  }
}

export function assertSafeKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.includes('\\') || key.includes('\0') || key.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new Error(`internal: unsafe storage key "${key}"`);
  }
}
