/**
 * `orgbackup delete <archive-id...>`: removes chosen archives from every storage that has them
 * (or the --storage ones). Under the storage lock, like prune; sidecar first, then the object
 * (src/archive/removal.ts). Refused unless --force: the newest complete archive of a tenant in a
 * storage (it may be the only restore point left) and a pre-restore safety backup younger than
 * 24 hours (the rollback of a recent restore). Refused even with --force: an archive under legal
 * hold (`orgbackup hold`), which must be released first. A refusal, an unknown id or a missing
 * --yes without a terminal stops the command before anything is removed (exit 2).
 */
import { listArchives, readSidecar, SAFETY_BACKUP_TRIGGER, type ArchiveListing } from '../archive/catalog.js';
import { describeHold, readHold } from '../archive/hold.js';
import { removeArchive } from '../archive/removal.js';
import type { Context } from '../context.js';
import { ExitCode, UsageError, errorMessage, exitCodeForItems, type ExitCodeValue } from '../errors.js';
import { PRE_RESTORE_GRACE_MS } from '../retention/plan.js';
import { selectStorageNames } from '../storage/registry.js';
import { assertArchiveIds, assertCanConfirmRemoval, confirmRemoval, findTargets, lockStorages, releaseAll, type Target } from './removal-common.js';

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

export async function runDelete(options: DeleteOptions, ctx: Context): Promise<DeleteResult> {
  assertArchiveIds('delete', options.ids);
  assertCanConfirmRemoval(`deleting ${options.ids.length} archive(s)`, options, ctx);
  const names = options.storage?.length ? selectStorageNames(ctx.config, options.storage) : Object.keys(ctx.config.storage);
  const storages = await Promise.all(names.map((name) => ctx.storage(name)));
  const dryRun = !!options.dryRun;
  const leases = dryRun ? [] : await lockStorages(storages, 'delete', ctx);
  try {
    const signal = AbortSignal.any([ctx.signal, ...leases.map((l) => l.signal)]);
    const targets = await findTargets(options.ids, storages, signal, { nothingDone: 'nothing was removed' });
    // Before --force is looked at: a legal hold is not overridden by it (docs/commands.md "hold").
    await refuseHeld(targets, signal);
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

/** A held archive is never deleted, --force or not: the hold must be released first (and that is audited). */
async function refuseHeld(targets: readonly Target[], signal: AbortSignal): Promise<void> {
  const held: string[] = [];
  for (const { storage, listing } of targets) {
    if (listing.hold) held.push(`${listing.id} in ${storage.name}: ${describeHold(await readHold(storage, listing.id, listing.hold.size, signal))}`);
  }
  if (held.length === 0) return;
  const ids = [...new Set(targets.filter((t) => t.listing.hold).map((t) => t.listing.id))];
  throw new UsageError(`refusing to delete archives under legal hold, nothing was removed:\n  ${held.join('\n  ')}`, {
    hint: `--force does not override a legal hold: release it first with \`orgbackup release ${ids.join(' ')}\` (recorded in the audit trail), then delete`,
  });
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
