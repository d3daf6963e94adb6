/**
 * What delete and forget share: every storage's lock (taken as prune takes it, so removals never
 * run beside a prune or a schedule), and the confirmation rules of restore (a terminal asks;
 * without one --yes is required, checked before anything is touched).
 */
import { listArchives, type ArchiveListing } from '../archive/catalog.js';
import { parseKey, sidecarKey } from '../archive/layout.js';
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

/** One archive in one storage that a command acts on. */
export interface Target {
  storage: Storage;
  listing: ArchiveListing;
}

/** Refuses (exit 2) anything that is not an archive id, before any storage is asked. */
export function assertArchiveIds(command: string, ids: readonly string[]): void {
  if (ids.length === 0) throw new UsageError(`${command} needs at least one archive id`, { hint: 'see `orgbackup list` for the ids' });
  for (const id of ids) {
    if (!parseKey(sidecarKey(id))) throw new UsageError(`"${id}" is not an archive id`, { hint: 'ids look like <source>/<tenant>/2026-11-20T02-00-00.000Z; see `orgbackup list`' });
  }
}

/**
 * Every (storage, archive) the ids name (`complete`: only complete archives); an id found in no
 * storage is a usage error, `nothingDone` saying so ("nothing was removed").
 */
export async function findTargets(ids: readonly string[], storages: readonly Storage[], signal: AbortSignal, options: { nothingDone: string; complete?: boolean }): Promise<Target[]> {
  const targets: Target[] = [];
  const wanted = new Set(ids);
  for (const storage of storages) {
    const refs = ids.map((id) => parseKey(sidecarKey(id))!.ref);
    const tenants = new Map(refs.map((ref) => [`${ref.source}\0${ref.tenant}`, ref]));
    for (const ref of tenants.values()) {
      for (const listing of await listArchives(storage, { source: ref.source, tenant: ref.tenant }, signal)) {
        if (wanted.has(listing.id) && (!options.complete || (listing.complete && listing.archiveKey))) targets.push({ storage, listing });
      }
    }
  }
  const missing = ids.filter((id) => !targets.some((t) => t.listing.id === id));
  if (missing.length > 0) {
    const what = options.complete ? 'no such complete archive' : 'no such archive';
    throw new UsageError(`${what} in ${storages.map((s) => `"${s.name}"`).join(', ')}: ${missing.join(', ')}; ${options.nothingDone}`, { hint: 'see `orgbackup list` for the ids' });
  }
  return targets;
}
