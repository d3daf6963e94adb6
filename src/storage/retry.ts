/**
 * Retries of transient storage failures, as a wrapper around a driver (DESIGN.md convention 3:
 * retries are not written inside drivers). A retried operation must replay its input exactly, so:
 *
 * - get/getBuffer/exists/delete and a Buffer put are retried freely (they are idempotent, and a
 *   put that fails never leaves a half object behind, so the retry cannot meet its own half);
 * - a retried put that meets "already exists" succeeds when the object holds its very bytes (an
 *   earlier attempt stored it and the answer was lost), and fails for any other object;
 * - a stream put is retried only when the caller gives `replay` (the archive spooled in the private
 *   temp dir): the first attempt reads the live stream, every later one a fresh read of the spool;
 *   without it, its bytes are gone once read and it gets one try;
 * - list is retried only until it yields its first object, so no object is ever yielded twice.
 *
 * The S3 driver is wrapped for puts only (`scope: 'puts'`): the AWS SDK already retries every
 * request with backoff, and a second layer on reads would multiply the attempts against a server
 * that is down; but the SDK cannot restart a whole upload whose part ran out of attempts.
 */
import type { Readable } from 'node:stream';
import { sizeIfOwnObject } from './own-object.js';
import { AlreadyExistsError, type ObjectInfo, type RetryEvent, type Storage, type StorageOptions } from './types.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubled each time, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  isTransient(error: unknown): boolean;
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TRANSIENT_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestTimeoutException', 'ServiceUnavailable', 'InternalError', 'TimeoutError']);
/** rclone's exit code for "temporary error (one that more retries might fix)". */
const RCLONE_TEMPORARY_EXIT = 5;

/** Network resets, 5xx, throttling and rclone's "temporary error" exit status. */
export function isTransientError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const err = e as { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; toolExitCode?: number; tool?: string };
    if (err.code && TRANSIENT_CODES.has(err.code)) return true;
    if (err.name && TRANSIENT_NAMES.has(err.name)) return true;
    const status = err.$metadata?.httpStatusCode;
    if (status !== undefined && (status >= 500 || status === 429)) return true;
    if (err.$retryable) return true;
    if (err.tool === 'rclone' && err.toolExitCode === RCLONE_TEMPORARY_EXIT) return true;
  }
  return false;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 8000, isTransient: isTransientError };

/** Whether a failed attempt is tried again: transient, attempts left, and the run not aborted. */
export function shouldRetry(error: unknown, attempt: number, policy: Pick<RetryPolicy, 'attempts' | 'isTransient'>, signal?: AbortSignal): boolean {
  return attempt < policy.attempts && !signal?.aborted && policy.isTransient(error);
}

/** Runs `operation` until it succeeds, fails permanently, runs out of attempts or is aborted. */
export async function retry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, signal?: AbortSignal, onRetry?: (event: Omit<RetryEvent, 'storage'>) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (!shouldRetry(error, attempt, policy, signal)) throw error;
      const delayMs = backoffDelay(attempt, policy);
      onRetry?.({ attempt, attempts: policy.attempts, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}

/** Exponential backoff with "full jitter" so that parallel runs do not retry in lockstep. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // An abort that came before the wait would never fire its event again.
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The last attempt's error is the one reported, but an earlier attempt may have said something
 * the operator must still act on (an S3 upload that could not be aborted): its hint is kept.
 */
function keepEarlierHints(error: unknown, hints: string[]): void {
  const failure = error as { hint?: string };
  if (failure.hint && !hints.includes(failure.hint)) hints.push(failure.hint);
  if (error instanceof Error && hints.length > 0) failure.hint = [...hints].reverse().join('; also, ');
}

/** The same driver, with transient failures retried where the input can be replayed. */
export class RetryingStorage implements Storage {
  readonly name: string;
  readonly type: string;
  readonly location: string;

  /** Whether a streamed put given `replay` is retried (what backupTenant spools the archive for). */
  readonly replaysPuts = true;

  /**
   * `scope: 'puts'` retries only puts and passes the rest straight through (S3, whose SDK already
   * retries each request).
   */
  constructor(
    readonly inner: Storage,
    private readonly policy: RetryPolicy = defaultRetryPolicy,
    private readonly scope: 'all' | 'puts' = 'all',
  ) {
    this.name = inner.name;
    this.type = inner.type;
    this.location = inner.location;
  }

  /**
   * A failed attempt leaves nothing under the key (the driver's contract: S3 aborts the multipart
   * upload, rclone deletes its temp object), so the next attempt starts clean -- unless the attempt
   * did store the object and only the server's answer was lost: a later attempt then meets "already
   * exists", and the object counts as this put's when it holds the same bytes (own-object.ts).
   */
  put(key: string, body: Readable | Buffer, options: StorageOptions = {}): Promise<{ size: number }> {
    const { replay, onRetry, ...inner } = options;
    if (!Buffer.isBuffer(body) && !replay) return this.inner.put(key, body, inner);
    const report = onRetry ? (event: Omit<RetryEvent, 'storage'>) => onRetry({ ...event, storage: this.name }) : undefined;
    const hints: string[] = [];
    return retry(
      async (attempt) => {
        try {
          if (Buffer.isBuffer(body) || attempt === 1) return await this.inner.put(key, body, inner);
          return await this.inner.put(key, await replay!(), inner);
        } catch (error) {
          // An earlier attempt's object whose answer was lost: the put did succeed.
          if (attempt > 1 && error instanceof AlreadyExistsError) {
            const size = await sizeIfOwnObject(this, key, Buffer.isBuffer(body) ? body : replay!, inner);
            if (size !== undefined) return { size };
          }
          keepEarlierHints(error, hints);
          throw error;
        }
      },
      this.policy,
      options.signal,
      report,
    );
  }

  get(key: string, options: StorageOptions = {}): Promise<Readable> {
    if (this.scope === 'puts') return this.inner.get(key, options);
    return retry(() => this.inner.get(key, options), this.policy, options.signal);
  }

  getBuffer(key: string, options: StorageOptions = {}): Promise<Buffer> {
    if (this.scope === 'puts') return this.inner.getBuffer(key, options);
    return retry(() => this.inner.getBuffer(key, options), this.policy, options.signal);
  }

  exists(key: string, options: StorageOptions = {}): Promise<boolean> {
    if (this.scope === 'puts') return this.inner.exists(key, options);
    return retry(() => this.inner.exists(key, options), this.policy, options.signal);
  }

  delete(key: string, options: StorageOptions = {}): Promise<void> {
    if (this.scope === 'puts') return this.inner.delete(key, options);
    return retry(() => this.inner.delete(key, options), this.policy, options.signal);
  }

  async *list(prefix: string, options: StorageOptions = {}): AsyncIterable<ObjectInfo> {
    if (this.scope === 'puts') {
      yield* this.inner.list(prefix, options);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      let yielded = false;
      try {
        for await (const info of this.inner.list(prefix, options)) {
          yielded = true;
          yield info;
        }
        return;
      } catch (error) {
        if (yielded || attempt >= this.policy.attempts || options.signal?.aborted || !this.policy.isTransient(error)) throw error;
        await sleep(backoffDelay(attempt, this.policy), options.signal);
      }
    }
  }

  lockedUntil(key: string, options: StorageOptions = {}): Promise<Date | undefined> {
    const inner = this.inner;
    if (!inner.lockedUntil) return Promise.resolve(undefined);
    if (this.scope === 'puts') return inner.lockedUntil(key, options);
    return retry(() => inner.lockedUntil!(key, options), this.policy, options.signal);
  }

  cleanupIncomplete(olderThan: Date, options: StorageOptions = {}): Promise<number> {
    const inner = this.inner;
    if (!inner.cleanupIncomplete) return Promise.resolve(0);
    if (this.scope === 'puts') return inner.cleanupIncomplete(olderThan, options);
    return retry(() => inner.cleanupIncomplete!(olderThan, options), this.policy, options.signal);
  }
}
