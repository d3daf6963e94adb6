/**
 * Retries of transient storage failures, as a wrapper around a driver (DESIGN.md convention 3:
 * retries are not written inside drivers). A retried operation must replay its input exactly, so:
 *
 * - get/getBuffer/exists/delete and a Buffer put are retried freely (they are idempotent, and a
 *   put that fails never leaves an object behind, so the retry cannot meet its own half);
 * - a stream put is not retried here: its bytes are gone once read. The S3 driver replays what it
 *   can itself (the SDK re-sends each multipart part it still holds in memory); rclone gets one try;
 * - list is retried only until it yields its first object, so no object is ever yielded twice.
 *
 * The S3 driver is not wrapped: the AWS SDK already retries every request with backoff, and adding
 * a second layer would multiply the attempts against a server that is down.
 */
import type { Readable } from 'node:stream';
import type { ObjectInfo, Storage, StorageOptions } from './types.js';

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

/** Runs `operation` until it succeeds, fails permanently, runs out of attempts or is aborted. */
export async function retry<T>(operation: () => Promise<T>, policy: RetryPolicy, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts || signal?.aborted || !policy.isTransient(error)) throw error;
      await sleep(backoffDelay(attempt, policy), signal);
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

/** The same driver, with transient failures retried where the input can be replayed. */
export class RetryingStorage implements Storage {
  readonly name: string;
  readonly type: string;
  readonly location: string;

  constructor(
    readonly inner: Storage,
    private readonly policy: RetryPolicy = defaultRetryPolicy,
  ) {
    this.name = inner.name;
    this.type = inner.type;
    this.location = inner.location;
  }

  put(key: string, body: Readable | Buffer, options: StorageOptions = {}): Promise<{ size: number }> {
    if (!Buffer.isBuffer(body)) return this.inner.put(key, body, options);
    return retry(() => this.inner.put(key, body, options), this.policy, options.signal);
  }

  get(key: string, options: StorageOptions = {}): Promise<Readable> {
    return retry(() => this.inner.get(key, options), this.policy, options.signal);
  }

  getBuffer(key: string, options: StorageOptions = {}): Promise<Buffer> {
    return retry(() => this.inner.getBuffer(key, options), this.policy, options.signal);
  }

  exists(key: string, options: StorageOptions = {}): Promise<boolean> {
    return retry(() => this.inner.exists(key, options), this.policy, options.signal);
  }

  delete(key: string, options: StorageOptions = {}): Promise<void> {
    return retry(() => this.inner.delete(key, options), this.policy, options.signal);
  }

  async *list(prefix: string, options: StorageOptions = {}): AsyncIterable<ObjectInfo> {
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

  cleanupIncomplete(olderThan: Date, options: StorageOptions = {}): Promise<number> {
    const inner = this.inner;
    if (!inner.cleanupIncomplete) return Promise.resolve(0);
    return retry(() => inner.cleanupIncomplete!(olderThan, options), this.policy, options.signal);
  }
}
