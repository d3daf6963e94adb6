/**
 * What delete and forget share: every storage's lock (taken as prune takes it, so removals never
 * run beside a prune or a schedule), and the confirmation rules of restore (a terminal asks;
 * without one --yes is required, checked before anything is touched).
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { acquireLock, DEFAULT_LOCK_TTL_MS, STORAGE_LOCK, type Lease } from '../schedule/lock.js';
import type { Storage } from '../storage/types.js';

export interface RemovalConfirmation {
  yes?: boolean;
  dryRun?: boolean;
}

/** Fails fast (exit 2) when nobody can confirm and --yes was not given. */
export function assertCanConfirmRemoval(what: string, options: RemovalConfirmation, ctx: Context): void {
  if (options.yes || options.dryRun || ctx.interactive) return;
  throw new UsageError(`${what} removes archives for good and needs confirmation, but no terminal is attached; nothing was removed`, {
    hint: 'pass --yes to confirm non-interactively, or --dry-run to see what would be removed',
  });
}

/** On a terminal, the operator types `expected` (a y/N is answered by reflex). */
export async function confirmRemoval(question: string, expected: string, options: RemovalConfirmation, ctx: Context): Promise<void> {
  if (options.yes || options.dryRun) return;
  const answer = await ctx.ask(`${question}\nType ${expected} to confirm: `);
  if (answer.trim() !== expected) throw new UsageError('cancelled: the answer did not match; nothing was removed', { hint: `type ${expected} exactly, or pass --yes` });
}

/** Every storage's lock, or none: a busy one releases the others and ends the run with exit 75. */
export async function lockStorages(storages: readonly Storage[], owner: string, ctx: Context): Promise<Lease[]> {
  const leases: Lease[] = [];
  try {
    for (const storage of storages) {
      leases.push(await acquireLock(storage, STORAGE_LOCK, { owner, ttlMs: DEFAULT_LOCK_TTL_MS, signal: ctx.signal, onLost: (error) => ctx.log.error(error.message) }));
    }
    return leases;
  } catch (error) {
    for (const lease of leases) await lease.release().catch(() => undefined);
    throw error;
  }
}

export async function releaseAll(leases: readonly Lease[], ctx: Context): Promise<void> {
  for (const lease of leases) await lease.release().catch((error: unknown) => ctx.log.warn(`could not release a storage lock: ${String(error)}`));
}
