/** storage/retry.ts: which failures are transient, the backoff curve, and what the wrapper replays. */
import { Readable } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../src/exec.js';
import { LocalStorage } from '../../src/storage/local.js';
import { backoffDelay, isTransientError, RetryingStorage, shouldRetry, type RetryPolicy } from '../../src/storage/retry.js';
import { StorageError, type ObjectInfo, type RetryEvent, type Storage, type StorageOptions } from '../../src/storage/types.js';
import { tempDir } from '../helpers/tmp.js';

const s3Failure = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('isTransientError', () => {
  it.each([
    ['connection reset', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), true],
    ['connection refused', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), true],
    ['S3 503 SlowDown', s3Failure('SlowDown', 503), true],
    ['S3 500 InternalError', s3Failure('InternalError', 500), true],
    ['S3 429', s3Failure('TooManyRequests', 429), true],
    ['S3 403 AccessDenied', s3Failure('AccessDenied', 403), false],
    ['S3 404 NoSuchBucket', s3Failure('NoSuchBucket', 404), false],
    ['rclone temporary error (exit 5)', new ToolError('rclone', 'failed with exit code 5', 'temporary', 5), true],
    ['rclone fatal error (exit 7)', new ToolError('rclone', 'failed with exit code 7', 'fatal', 7), false],
    ['wrapped transient cause', new StorageError('storage "x": put failed', undefined, s3Failure('SlowDown', 503)), true],
    ['plain error', new Error('something else'), false],
  ])('%s -> %s', (_label, error, transient) => {
    expect(isTransientError(error)).toBe(transient);
  });
});

describe('backoffDelay', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    [1, 0, 50],
    [1, 1, 100],
    [2, 0.5, 150],
    [3, 1, 400],
    [5, 1, 1000],
    [9, 0, 500],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, policy, () => random)).toBe(expected);
  });
});

describe('shouldRetry', () => {
  const policy = { attempts: 4, isTransient: isTransientError };
  const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  const aborted = AbortSignal.abort(new Error('SIGINT'));
  it.each([
    ['transient, first attempt', reset, 1, undefined, true],
    ['transient, third attempt', reset, 3, undefined, true],
    ['transient, last attempt', reset, 4, undefined, false],
    ['transient, run aborted', reset, 1, aborted, false],
    ['S3 503 SlowDown', s3Failure('SlowDown', 503), 2, undefined, true],
    ['S3 403 AccessDenied', s3Failure('AccessDenied', 403), 1, undefined, false],
    ['rclone exit 5', new ToolError('rclone', 'failed with exit code 5', 'temporary', 5), 1, undefined, true],
    ['rclone exit 1', new ToolError('rclone', 'failed with exit code 1', '403 Forbidden', 1), 1, undefined, false],
  ])('%s -> %s', (_label, error, attempt, signal, expected) => {
    expect(shouldRetry(error, attempt, policy, signal)).toBe(expected);
  });
});

/** A real local storage whose first `failures` calls of each method fail with ECONNRESET (an injected fault). */
class FlakyStorage implements Storage {
  readonly type = 'flaky';
  readonly location: string;
  calls = new Map<string, number>();
  constructor(
    readonly inner: LocalStorage,
    private readonly failures: number,
    readonly name = 'flaky',
  ) {
    this.location = inner.location;
  }
  private fault(method: string): void {
    const n = (this.calls.get(method) ?? 0) + 1;
    this.calls.set(method, n);
    if (n <= this.failures) throw Object.assign(new Error(`injected reset #${n}`), { code: 'ECONNRESET' });
  }
  async put(key: string, body: Readable | Buffer, options?: StorageOptions) {
    this.fault('put');
    return this.inner.put(key, body, options);
  }
  async get(key: string) {
    this.fault('get');
    return this.inner.get(key);
  }
  async getBuffer(key: string) {
    this.fault('getBuffer');
    return this.inner.getBuffer(key);
  }
  async exists(key: string) {
    this.fault('exists');
    return this.inner.exists(key);
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.fault('list');
    yield* this.inner.list(prefix);
  }
  async delete(key: string) {
    this.fault('delete');
    return this.inner.delete(key);
  }
}

/** A real local storage that stores the first `lost` puts and then loses the answer (an injected fault). */
class LostAnswerStorage extends FlakyStorage {
  private puts = 0;
  constructor(
    inner: LocalStorage,
    private readonly lost: number,
    private readonly meanwhile?: (key: string) => Promise<void>,
  ) {
    super(inner, 0);
  }
  override async put(key: string, body: Readable | Buffer, options?: StorageOptions) {
    const stored = await super.put(key, body, options);
    if (++this.puts > this.lost) return stored;
    await this.meanwhile?.(key);
    throw Object.assign(new Error(`answer #${this.puts} lost`), { code: 'ECONNRESET' });
  }
}

describe('RetryingStorage', () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  const fast: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, isTransient: isTransientError };
  beforeAll(async () => {
    tmp = await tempDir('orgbackup-retry-');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('retries buffer puts, reads, lists and deletes through transient failures', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'a')), 2);
    const storage = new RetryingStorage(flaky, fast);
    await storage.put('x/one.manifest.json', Buffer.from('{}'));
    expect((await storage.getBuffer('x/one.manifest.json')).toString()).toBe('{}');
    expect(await storage.exists('x/one.manifest.json')).toBe(true);
    const keys: string[] = [];
    for await (const info of storage.list('x/')) keys.push(info.key);
    expect(keys).toEqual(['x/one.manifest.json']);
    await storage.delete('x/one.manifest.json');
    expect(flaky.calls.get('put')).toBe(3);
    expect(flaky.calls.get('list')).toBe(3);
  });

  it('gives up after the last attempt and rethrows the failure', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'b')), 5);
    const storage = new RetryingStorage(flaky, fast);
    await expect(storage.getBuffer('nothing')).rejects.toThrow(/injected reset #3/);
    expect(flaky.calls.get('getBuffer')).toBe(3);
  });

  it('never retries a stream put without `replay`: its bytes cannot be replayed', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'c')), 1);
    const storage = new RetryingStorage(flaky, fast);
    await expect(storage.put('x/a.zip', Readable.from([Buffer.from('data')]))).rejects.toThrow(/injected reset #1/);
    expect(flaky.calls.get('put')).toBe(1);
  });

  it('does not retry permanent failures', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'd')), 0);
    const storage = new RetryingStorage(flaky, fast);
    await expect(storage.getBuffer('missing/key')).rejects.toThrow(/does not exist/);
    expect(flaky.calls.get('getBuffer')).toBe(1);
  });

  it('replays a stream put from `replay`, reporting each retry with storage and attempt', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'e')), 2);
    const storage = new RetryingStorage(flaky, fast);
    let replays = 0;
    const events: RetryEvent[] = [];
    const replay = async () => {
      replays++;
      return Readable.from([Buffer.from('archive bytes')]);
    };
    await storage.put('x/a.zip', Readable.from([Buffer.from('archive bytes')]), { replay, onRetry: (e) => events.push(e) });
    expect(flaky.calls.get('put')).toBe(3);
    expect(replays).toBe(2);
    expect(events.map((e) => [e.storage, e.attempt, e.attempts])).toEqual([
      ['flaky', 1, 3],
      ['flaky', 2, 3],
    ]);
    expect((await flaky.inner.getBuffer('x/a.zip')).toString()).toBe('archive bytes');
  });

  it('does not replay a stream put that failed permanently', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'f')), 0);
    await flaky.inner.put('x/a.zip', Buffer.from('old'));
    const storage = new RetryingStorage(flaky, fast);
    let replays = 0;
    const replay = async () => (replays++, Readable.from([Buffer.from('new')]));
    await expect(storage.put('x/a.zip', Readable.from([Buffer.from('new')]), { replay })).rejects.toThrow(/already exists/);
    expect(replays).toBe(0);
  });

  it('stops waiting for the next attempt as soon as the run is aborted', async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'g')), 5);
    const storage = new RetryingStorage(flaky, { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    const controller = new AbortController();
    const started = Date.now();
    const put = storage.put('x/a.zip', Readable.from([Buffer.from('x')]), {
      signal: controller.signal,
      replay: async () => Readable.from([Buffer.from('x')]),
      onRetry: () => controller.abort(new Error('SIGTERM')),
    });
    await expect(put).rejects.toThrow(/SIGTERM/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(flaky.calls.get('put')).toBe(1);
  });

  // Issue 22: the server stored the object, its answer was lost, and the retry meets it.
  it.each([
    ['a Buffer put', false],
    ['a replayed stream put', true],
  ])('%s whose answer was lost succeeds when the object holds its bytes', async (_label, streamed) => {
    const lost = new LostAnswerStorage(new LocalStorage('l', path.join(tmp.dir, `i-${streamed}`)), 1);
    const storage = new RetryingStorage(lost, fast);
    const bytes = Buffer.from('archive bytes');
    const body = streamed ? Readable.from([bytes]) : bytes;
    await expect(storage.put('x/a.zip', body, { replay: async () => Readable.from([bytes]) })).resolves.toEqual({ size: bytes.length });
    expect(lost.calls.get('put')).toBe(2);
    expect((await lost.inner.getBuffer('x/a.zip')).toString()).toBe('archive bytes');
  });

  it.each([
    ['a Buffer put', false],
    ['a replayed stream put', true],
  ])('%s whose answer was lost still fails when another object took its key', async (_label, streamed) => {
    const inner = new LocalStorage('l', path.join(tmp.dir, `j-${streamed}`));
    const lost = new LostAnswerStorage(inner, 1, async (key) => {
      await inner.delete(key);
      await inner.put(key, Buffer.from('archive bytez'));
    });
    const storage = new RetryingStorage(lost, fast);
    const bytes = Buffer.from('archive bytes');
    const body = streamed ? Readable.from([bytes]) : bytes;
    await expect(storage.put('x/a.zip', body, { replay: async () => Readable.from([bytes]) })).rejects.toThrow(/already exists/);
    expect((await inner.getBuffer('x/a.zip')).toString()).toBe('archive bytez');
  });

  it('a first attempt that meets an existing object fails even when it holds the same bytes', async () => {
    const inner = new LocalStorage('l', path.join(tmp.dir, 'k'));
    await inner.put('x/a.zip', Buffer.from('same'));
    const storage = new RetryingStorage(new FlakyStorage(inner, 0), fast);
    await expect(storage.put('x/a.zip', Buffer.from('same'))).rejects.toThrow(/already exists/);
  });

  it("scope 'puts' passes reads straight through (the S3 SDK retries those itself)", async () => {
    const flaky = new FlakyStorage(new LocalStorage('l', path.join(tmp.dir, 'h')), 1);
    const storage = new RetryingStorage(flaky, fast, 'puts');
    await expect(storage.getBuffer('x/none')).rejects.toThrow(/injected reset #1/);
    await storage.put('x/one.manifest.json', Buffer.from('{}'));
    expect(flaky.calls.get('put')).toBe(2);
  });
});
