/**
 * `orgbackup delete <archive-id...>`: removes chosen archives from every storage that has them
 * (or the --storage ones). Under the storage lock, like prune; sidecar first, then the object
 * (src/archive/removal.ts). Refused unless --force: the newest complete archive of a tenant in a
 * storage (it may be the only restore point left) and a pre-restore safety backup younger than
 * 24 hours (the rollback of a recent restore). A refusal, an unknown id or a missing --yes without
 * a terminal stops the command before anything is removed (exit 2).
 */
import { listArchives, readSidecar, SAFETY_BACKUP_TRIGGER, type ArchiveListing } from '../archive/catalog.js';
import { parseKey, sidecarKey } from '../archive/layout.js';
import { removeArchive } from '../archive/removal.js';
import type { Context } from '../context.js';
import { ExitCode, UsageError, errorMessage, exitCodeForItems, type ExitCodeValue } from '../errors.js';
import { PRE_RESTORE_GRACE_MS } from '../retention/plan.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { assertCanConfirmRemoval, confirmRemoval, lockStorages, releaseAll } from './removal-common.js';

export interface DeleteOptions {
  ids: string[];
  storage?: string[];
  force?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export interface DeletedArchive {
  id: string;
  storage: string;
  status: 'removed' | 'would-remove' | 'failed';
  complete: boolean;
  size?: number;
  error?: string;
}

export interface DeleteResult {
  command: 'delete';
  ok: boolean;
  exitCode: ExitCodeValue;
  dryRun: boolean;
  archives: DeletedArchive[];
  summary: { removed: number; failed: number; bytes: number };
}

interface Target {
  storage: Storage;
  listing: ArchiveListing;
}

export async function runDelete(options: DeleteOptions, ctx: Context): Promise<DeleteResult> {
  if (options.ids.length === 0) throw new UsageError('delete needs at least one archive id', { hint: 'see `orgbackup list` for the ids' });
  for (const id of options.ids) {
    if (!parseKey(sidecarKey(id))) throw new UsageError(`"${id}" is not an archive id`, { hint: 'ids look like <source>/<tenant>/2026-11-20T02-00-00.000Z; see `orgbackup list`' });
  }
  assertCanConfirmRemoval(`deleting ${options.ids.length} archive(s)`, options, ctx);
  const names = options.storage?.length ? selectStorageNames(ctx.config, options.storage) : Object.keys(ctx.config.storage);
  const storages = await Promise.all(names.map((name) => ctx.storage(name)));
  const dryRun = !!options.dryRun;
  const leases = dryRun ? [] : await lockStorages(storages, 'delete', ctx);
  try {
    const signal = AbortSignal.any([ctx.signal, ...leases.map((l) => l.signal)]);
    const targets = await findTargets(options.ids, storages, signal);
    if (!options.force) await refuseProtected(targets, ctx.now(), signal);
    if (dryRun)
      return finish(
        targets.map((t) => item(t, 'would-remove')),
        true,
      );
    await confirmRemoval(`Delete ${targets.length} archive(s):\n${targets.map((t) => `  ${t.listing.id} in ${t.storage.name}`).join('\n')}`, 'yes', options, ctx);
    const done: DeletedArchive[] = [];
    for (const target of targets) {
      try {
        await removeArchive(target.storage, target.listing, signal);
        done.push(item(target, 'removed'));
        ctx.log.info(`deleted ${target.listing.id} from ${target.storage.name}`, { event: 'delete', archive: target.listing.id, storage: target.storage.name });
      } catch (error) {
        if (signal.aborted) throw ctx.signal.aborted ? ctx.signal.reason : error;
        done.push({ ...item(target, 'failed'), error: errorMessage(error) });
        ctx.log.error(`could not delete ${target.listing.id} from ${target.storage.name}: ${errorMessage(error)}`, { archive: target.listing.id, storage: target.storage.name });
      }
    }
    return finish(done, false);
  } finally {
    await releaseAll(leases, ctx);
  }
}

/** Every (storage, archive) the ids name; an id found in no storage is a usage error. */
async function findTargets(ids: readonly string[], storages: readonly Storage[], signal: AbortSignal): Promise<Target[]> {
  const targets: Target[] = [];
  const wanted = new Set(ids);
  for (const storage of storages) {
    const refs = ids.map((id) => parseKey(sidecarKey(id))!.ref);
    const tenants = new Map(refs.map((ref) => [`${ref.source}\0${ref.tenant}`, ref]));
    for (const ref of tenants.values()) {
      for (const listing of await listArchives(storage, { source: ref.source, tenant: ref.tenant }, signal)) {
        if (wanted.has(listing.id)) targets.push({ storage, listing });
      }
    }
  }
  const missing = ids.filter((id) => !targets.some((t) => t.listing.id === id));
  if (missing.length > 0) {
    throw new UsageError(`no such archive in ${storages.map((s) => `"${s.name}"`).join(', ')}: ${missing.join(', ')}; nothing was removed`, { hint: 'see `orgbackup list` for the ids' });
  }
  return targets;
}

/** Why an archive may not be deleted without --force, or undefined (pure, for tests). */
export function protectionOf(listing: ArchiveListing, newestCompleteId: string | undefined, trigger: string | undefined, now: Date): string | undefined {
  if (!listing.complete) return undefined;
  if (listing.id === newestCompleteId) return 'it is the newest complete archive of its tenant in this storage';
  if (trigger === SAFETY_BACKUP_TRIGGER && now.getTime() - listing.time.getTime() < PRE_RESTORE_GRACE_MS)
    return 'it is a pre-restore safety backup younger than 24 hours (the rollback of a recent restore)';
  return undefined;
}

async function refuseProtected(targets: readonly Target[], now: Date, signal: AbortSignal): Promise<void> {
  const refused: string[] = [];
  for (const { storage, listing } of targets) {
    const tenantArchives = await listArchives(storage, { source: listing.ref.source, tenant: listing.ref.tenant }, signal);
    const newest = tenantArchives.find((a) => a.complete && a.archiveKey)?.id;
    const trigger = listing.complete
      ? await readSidecar(storage, listing.id, signal).then(
          (s) => s.trigger,
          () => undefined,
        )
      : undefined;
    const reason = protectionOf(listing, newest, trigger, now);
    if (reason) refused.push(`${listing.id} in ${storage.name}: ${reason}`);
  }
  if (refused.length > 0) {
    throw new UsageError(`refusing to delete, nothing was removed:\n  ${refused.join('\n  ')}`, { hint: 'pass --force to delete them anyway' });
  }
}

function item(target: Target, status: DeletedArchive['status']): DeletedArchive {
  const { listing } = target;
  return { id: listing.id, storage: target.storage.name, status, complete: listing.complete, ...(listing.size !== undefined ? { size: listing.size } : {}) };
}

function finish(archives: DeletedArchive[], dryRun: boolean): DeleteResult {
  const exitCode = exitCodeForItems(archives.map((a) => a.status));
  const gone = archives.filter((a) => a.status !== 'failed');
  return {
    command: 'delete',
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun,
    archives,
    summary: { removed: gone.length, failed: archives.length - gone.length, bytes: gone.reduce((n, a) => n + (a.size ?? 0), 0) },
  };
}
