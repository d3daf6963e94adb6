/**
 * Group commit of directory fsyncs (local storage). A put is durable only once the directory
 * holding its new name is fsynced (and, when the put created that directory, its parent). Many
 * tenants commit at once in a `create` run: instead of one fsync per request, issued one after
 * another, requests that arrive while a round of fsyncs runs wait for the next round, which
 * fsyncs each distinct directory once, all of them in parallel (the file system's journal
 * batches concurrent syncs into one commit). A request never waits for less than a round that
 * started after it was made, so what it linked before asking is durable when it resolves.
 *
 * The ordering promise of the storage (a sidecar is linked only once its object is durable) is
 * the caller's: it asks for the object's directory, waits, and only then writes the sidecar.
 */
import { pauseAt } from '../util/test-hooks.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class DirectorySync {
  private queued = new Map<string, Waiter[]>();
  private running = false;
  private rounds = 0;
  /** The signal of the first request of the queued round (for the test pause hook only). */
  private queuedSignal: AbortSignal | undefined;

  constructor(
    private readonly syncOne: (dir: string) => Promise<void>,
    private readonly storageName: string,
  ) {}

  /** Resolves once `dir` has been fsynced by a round that started after this call. */
  sync(dir: string, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiters = this.queued.get(dir) ?? [];
      waiters.push({ resolve, reject });
      this.queued.set(dir, waiters);
      this.queuedSignal ??= signal;
      // A turn of the event loop lets the other tenants finishing now join the same round.
      if (!this.running) setImmediate(() => this.startRound());
    });
  }

  private startRound(): void {
    if (this.running || this.queued.size === 0) return;
    this.running = true;
    const round = this.queued;
    const signal = this.queuedSignal;
    this.queued = new Map();
    this.queuedSignal = undefined;
    void this.flush(round, signal).finally(() => {
      this.running = false;
      this.startRound();
    });
  }

  private async flush(round: Map<string, Waiter[]>, signal: AbortSignal | undefined): Promise<void> {
    this.rounds++;
    // Inside the window: every name of the round is linked, none is durable yet.
    await pauseAt('local-group-commit', `round ${this.rounds}`, signal, this.storageName);
    await Promise.all(
      [...round].map(async ([dir, waiters]) => {
        try {
          await this.syncOne(dir);
          for (const w of waiters) w.resolve();
        } catch (error) {
          for (const w of waiters) w.reject(error);
        }
      }),
    );
  }
}
