/**
 * A held storage lock (see lock.ts for the protocol): renews itself while held by adding a
 * heartbeat object with the new expiry and deleting the previous one, notices when the lease was
 * taken over (a holder paused past its expiry) and then aborts its signal, and on release removes
 * its objects only if the lease is still its own.
 */
import { BusyError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { leaseKey, lockDir, putIfAbsent, readLockState, type LockInfo, type LockState } from './lock-state.js';

export interface Lease {
  readonly info: LockInfo;
  /** Aborted (with a BusyError) when the lease was lost: the holder must stop changing the storage. */
  readonly signal: AbortSignal;
  expiresAt(): Date;
  renew(): Promise<void>;
  /** Stops renewal and removes the lease if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

export interface LeaseSettings {
  ttlMs: number;
  now: () => Date;
  signal: AbortSignal | undefined;
  /** Automatic renewal period (default ttl/3); false renews only when renew() is called. */
  renewEveryMs?: number | false;
  onLost?: (error: BusyError) => void;
}

export class HeldLease implements Lease {
  private readonly controller = new AbortController();
  private expiresAtMs: number;
  private heartbeatKey: string | undefined;
  private inFlight: Promise<void> | undefined;
  private released = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly name: string,
    readonly info: LockInfo,
    private readonly settings: LeaseSettings,
  ) {
    this.expiresAtMs = Date.parse(info.expiresAt);
    const period = settings.renewEveryMs === false ? undefined : (settings.renewEveryMs ?? Math.max(1000, Math.floor(settings.ttlMs / 3)));
    if (period !== undefined) {
      this.timer = setInterval(() => {
        // A failed renewal is retried at the next tick; only an expired lease counts as lost.
        this.renewShared().catch(() => {
          if (this.settings.now().getTime() > this.expiresAtMs) this.lose(undefined);
        });
      }, period);
      this.timer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }

  async renew(): Promise<void> {
    await this.renewShared();
    if (this.controller.signal.aborted) throw this.controller.signal.reason as BusyError;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.inFlight?.catch(() => undefined);
    const state = await readLockState(this.storage, this.name);
    if (state.holder?.token !== this.info.token) return;
    for (const beat of state.heartbeats) await this.storage.delete(beat.key);
    await this.storage.delete(leaseKey(this.name));
  }

  /** One renewal at a time: the timer and a manual renew() share the one in flight. */
  private async renewShared(): Promise<void> {
    if (this.released || this.controller.signal.aborted) return;
    this.inFlight ??= this.renewOnce().finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }

  private async renewOnce(): Promise<void> {
    const now = this.settings.now().getTime();
    const state = await readLockState(this.storage, this.name, this.settings.signal);
    if (state.holder?.token !== this.info.token) return this.lose(state);
    const nextExpiry = now + this.settings.ttlMs;
    const key = `${lockDir(this.name)}renew-${this.info.token}-${nextExpiry}`;
    await putIfAbsent(this.storage, key, Buffer.alloc(0), this.settings.signal);
    if (this.heartbeatKey && this.heartbeatKey !== key) await this.storage.delete(this.heartbeatKey, { signal: this.settings.signal });
    this.heartbeatKey = key;
    this.expiresAtMs = nextExpiry;
  }

  private lose(state: LockState | undefined): void {
    if (this.controller.signal.aborted) return;
    const by = state?.holder ? `${state.holder.owner} on ${state.holder.host} took it over` : 'it was removed';
    const error = new BusyError(`lost the "${this.name}" lock in storage "${this.storage.name}": ${by}`, {
      hint: 'this run was paused or cut off for longer than the lock lifetime; run it again',
    });
    clearInterval(this.timer);
    this.controller.abort(error);
    this.settings.onLost?.(error);
  }
}
