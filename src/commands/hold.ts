/**
 * `orgbackup hold <archive-id...> --reason TEXT` and `orgbackup release <archive-id...>`: a legal
 * hold on archives, in every storage that has them (or the --storage ones). The hold is a companion
 * object next to the sidecar (src/archive/hold.ts) that prune, delete and forget respect; --force
 * does not override it. Both run under the storage lock that prune, delete and forget take, so a
 * prune that planned without the hold cannot remove the archive after the hold is written.
 * A hold is never edited (storage `put` never overwrites): to change its reason, release and hold
 * again, both audited.
 */
import { describeHold, holdInfo, holdKey, MAX_REASON_LENGTH, readHold, type HoldInfo, type HoldRecord } from '../archive/hold.js';
import { whoRuns } from '../audit/trail.js';
import type { Context } from '../context.js';
import { AlreadyExistsError } from '../storage/types.js';
import { ExitCode, UsageError, errorMessage, exitCodeForItems, type ExitCodeValue } from '../errors.js';
import { selectStorageNames } from '../storage/registry.js';
import { assertArchiveIds, findTargets, lockStorages, releaseAll, type Target } from './removal-common.js';

export interface HoldOptions {
  ids: string[];
  reason?: string;
  storage?: string[];
  dryRun?: boolean;
  /** --actor / ORGBACKUP_ACTOR: recorded in the hold as who placed it. */
  actor?: string;
}

export type HoldStatus = 'held' | 'already-held' | 'would-hold' | 'released' | 'not-held' | 'would-release' | 'failed';

export interface HoldItem {
  id: string;
  storage: string;
  status: HoldStatus;
  /** The hold placed, met or removed. */
  hold?: HoldInfo;
  error?: string;
}

export interface HoldResult {
  command: 'hold' | 'release';
  ok: boolean;
  exitCode: ExitCodeValue;
  dryRun: boolean;
  /** hold: the reason given; release: the reason given for releasing, when any. */
  reason?: string;
  archives: HoldItem[];
  summary: { changed: number; unchanged: number; failed: number };
}

function checkReason(reason: string | undefined, required: boolean): string | undefined {
  const text = reason?.trim();
  if (!text) {
    if (!required) return undefined;
    throw new UsageError('hold needs --reason: a legal hold says why it was placed (a case or ticket number)', { hint: 'orgbackup hold <archive-id> --reason "litigation 2026-114"' });
  }
  if (text.length > MAX_REASON_LENGTH)
    throw new UsageError(`--reason is ${text.length} characters, more than ${MAX_REASON_LENGTH}`, { hint: 'give a case or ticket number and point to the details elsewhere' });
  return text;
}

/** Storages, their locks (none for a dry run) and the complete archives the ids name. */
async function withTargets(options: HoldOptions, command: 'hold' | 'release', ctx: Context, act: (targets: Target[], signal: AbortSignal) => Promise<HoldItem[]>): Promise<HoldItem[]> {
  assertArchiveIds(command, options.ids);
  const names = options.storage?.length ? selectStorageNames(ctx.config, options.storage) : Object.keys(ctx.config.storage);
  const storages = await Promise.all(names.map((name) => ctx.storage(name)));
  const leases = options.dryRun ? [] : await lockStorages(storages, command, ctx);
  try {
    const signal = AbortSignal.any([ctx.signal, ...leases.map((l) => l.signal)]);
    const targets = await findTargets(options.ids, storages, signal, { nothingDone: `nothing was ${command === 'hold' ? 'held' : 'released'}`, complete: command === 'hold' });
    return await act(targets, signal);
  } finally {
    await releaseAll(leases, ctx);
  }
}

export async function runHold(options: HoldOptions, ctx: Context): Promise<HoldResult> {
  const reason = checkReason(options.reason, true)!;
  const who = whoRuns(options.actor, ctx.env);
  const record: HoldRecord = {
    kind: 'orgbackup-hold',
    version: 1,
    id: '',
    reason,
    heldAt: ctx.now().toISOString(),
    heldBy: { user: who.user, uid: who.uid, host: who.host, ...(who.actor ? { actor: who.actor } : {}) },
  };
  const items = await withTargets(options, 'hold', ctx, async (targets, signal) => {
    const done: HoldItem[] = [];
    for (const { storage, listing } of targets) {
      const base = { id: listing.id, storage: storage.name };
      if (listing.hold) {
        done.push({ ...base, status: 'already-held', hold: holdInfo(await readHold(storage, listing.id, listing.hold.size, signal)) });
        continue;
      }
      const mine = { ...record, id: listing.id };
      if (options.dryRun) {
        done.push({ ...base, status: 'would-hold', hold: holdInfo({ record: mine }) });
        continue;
      }
      try {
        await storage.put(holdKey(listing.id), Buffer.from(JSON.stringify(mine, null, 2) + '\n'), { signal });
        done.push({ ...base, status: 'held', hold: holdInfo({ record: mine }) });
        ctx.log.info(`held ${listing.id} in ${storage.name}: ${reason}`, { event: 'hold', archive: listing.id, storage: storage.name });
      } catch (error) {
        if (signal.aborted) throw ctx.signal.aborted ? ctx.signal.reason : error;
        // Another run held it between the listing and the put (without the lock: a dry run cannot).
        if (error instanceof AlreadyExistsError) done.push({ ...base, status: 'already-held', hold: holdInfo(await readHold(storage, listing.id, undefined, signal)) });
        else done.push({ ...base, status: 'failed', error: errorMessage(error) });
      }
    }
    return done;
  });
  return finish('hold', items, !!options.dryRun, reason);
}

export async function runRelease(options: HoldOptions, ctx: Context): Promise<HoldResult> {
  const reason = checkReason(options.reason, false);
  const items = await withTargets(options, 'release', ctx, async (targets, signal) => {
    const done: HoldItem[] = [];
    for (const { storage, listing } of targets) {
      const base = { id: listing.id, storage: storage.name };
      if (!listing.hold) {
        done.push({ ...base, status: 'not-held' });
        continue;
      }
      // A hold whose object cannot be read is released all the same: releasing is the operator's call.
      const hold = await readHold(storage, listing.id, listing.hold.size, signal);
      if (options.dryRun) {
        done.push({ ...base, status: 'would-release', hold: holdInfo(hold) });
        continue;
      }
      try {
        await storage.delete(listing.hold.key, { signal });
        done.push({ ...base, status: 'released', hold: holdInfo(hold) });
        ctx.log.info(`released ${listing.id} in ${storage.name} (was ${describeHold(hold)})`, { event: 'release', archive: listing.id, storage: storage.name });
      } catch (error) {
        if (signal.aborted) throw ctx.signal.aborted ? ctx.signal.reason : error;
        done.push({ ...base, status: 'failed', hold: holdInfo(hold), error: errorMessage(error) });
      }
    }
    return done;
  });
  return finish('release', items, !!options.dryRun, reason);
}

const CHANGED = new Set<HoldStatus>(['held', 'released', 'would-hold', 'would-release']);

function finish(command: 'hold' | 'release', archives: HoldItem[], dryRun: boolean, reason: string | undefined): HoldResult {
  const exitCode = archives.length === 0 ? ExitCode.ok : exitCodeForItems(archives.map((a) => a.status));
  const failed = archives.filter((a) => a.status === 'failed').length;
  const changed = archives.filter((a) => CHANGED.has(a.status)).length;
  return {
    command,
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun,
    ...(reason ? { reason } : {}),
    archives,
    summary: { changed, unchanged: archives.length - changed - failed, failed },
  };
}
