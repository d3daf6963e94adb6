/**
 * Writes one stream to several storages at once (the dump runs once). Each storage reads from its
 * own bounded branch; the input pauses until every live branch has drained, so a slow storage
 * slows the run instead of buffering without bound. A storage that fails is dropped and the
 * others go on; when none is left the input is destroyed so the dump stops.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { Storage, StorageOptions } from './types.js';
import { drainOrClose } from '../util/streams.js';

export interface PutOutcome {
  storage: string;
  ok: boolean;
  size?: number;
  error?: Error;
}

const BRANCH_BUFFER = 4 * 1024 * 1024;

/** `spool` also receives every byte (a file the retry wrapper replays from); `put` is passed to every put. */
export interface FanOutExtras {
  spool?: Writable;
  put?: Omit<StorageOptions, 'signal'>;
}

export function fanOut(input: Readable, storages: readonly Storage[], key: string, signal: AbortSignal, onAllFailed: (error: Error) => void): Promise<PutOutcome[]> {
  return Promise.all(fanOutEach(input, storages, key, signal, onAllFailed));
}

/**
 * The same, one promise per storage (in the order given), each settling as soon as that storage
 * holds the object: a caller can commit a fast storage's sidecar without waiting for a slow one.
 */
export function fanOutEach(input: Readable, storages: readonly Storage[], key: string, signal: AbortSignal, onAllFailed: (error: Error) => void, extras: FanOutExtras = {}): Promise<PutOutcome>[] {
  const putOptions = { ...extras.put, signal };
  if (storages.length === 1 && !extras.spool) {
    const storage = storages[0]!;
    return [
      storage.put(key, input, putOptions).then(
        ({ size }): PutOutcome => ({ storage: storage.name, ok: true, size }),
        (error: Error): PutOutcome => {
          onAllFailed(error);
          return { storage: storage.name, ok: false, error };
        },
      ),
    ];
  }
  const live = new Map<string, PassThrough>();
  const puts = storages.map((storage) => {
    const branch = new PassThrough({ highWaterMark: BRANCH_BUFFER });
    live.set(storage.name, branch);
    return storage.put(key, branch, putOptions).then(
      ({ size }): PutOutcome => ({ storage: storage.name, ok: true, size }),
      (error: Error): PutOutcome => {
        live.delete(storage.name);
        branch.destroy();
        if (live.size === 0) onAllFailed(error);
        else if (input.isPaused()) resumeWhenDrained();
        return { storage: storage.name, ok: false, error };
      },
    );
  });
  // A put that is being retried has destroyed its first branch and replays from the spool: its
  // branch is skipped, but the put stays live (it has not settled).
  const sinks = (): Writable[] => [...live.values(), ...(extras.spool ? [extras.spool] : [])].filter((b) => !b.destroyed);
  const resumeWhenDrained = () => {
    const waiting = sinks().filter((b) => b.writableNeedDrain);
    if (waiting.length === 0) return void input.resume();
    Promise.all(waiting.map(drainOrClose)).then(resumeWhenDrained, () => undefined);
  };
  input.on('data', (chunk: Buffer) => {
    let full = false;
    for (const sink of sinks()) if (!sink.write(chunk)) full = true;
    if (full) {
      input.pause();
      resumeWhenDrained();
    }
  });
  input.once('end', () => sinks().forEach((b) => b.end()));
  input.once('error', (error) => sinks().forEach((b) => b.destroy(error)));
  return puts;
}
