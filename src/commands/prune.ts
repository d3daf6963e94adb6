/**
 * `orgbackup prune`: applies the retention policy. Decide, then act (restic PlanPrune/Execute):
 * learn the tenants and their plans, take every selected storage's lock, plan from key listings,
 * read sidecars only of archives the policy would remove (labels, trigger), then delete each
 * removed archive sidecar first, so that a prune cut off half-way never leaves an archive that
 * list/restore/verify would take for complete. `--dry-run` plans without the lock and deletes nothing.
 * Archives under legal hold and objects S3 Object Lock retains are left (prune-immutable.ts).
 */
import { listArchives, readSidecar } from '../archive/catalog.js';
import type { Context } from '../context.js';
import { ExitCode, errorMessage, exitCodeForItems, type ExitCodeValue } from '../errors.js';
import { runPreflightGate } from '../preflight/gate.js';
import { INCOMPLETE_GRACE_MS, needsSidecar, planPrune, protectArchives, type PlannedGroup, type SidecarFacts } from '../retention/plan.js';
import { expiringArchives } from '../retention/expiring.js';
import { parseDuration } from '../util/duration.js';
import { discoverTenantPlans, type UncheckedSource } from '../retention/tenants.js';
import { acquireLock, DEFAULT_LOCK_TTL_MS, STORAGE_LOCK, type Lease } from '../schedule/lock.js';
import { selectSourceNames } from '../sources/registry.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { mapLimit } from '../util/pool.js';
import { pruneAuditTrail } from '../audit/prune.js';
import { auditKeepWithin, auditStorageName, DEFAULT_KEEP_WITHIN } from '../audit/trail.js';
import { keepHeld, removeUnlessLocked } from './prune-immutable.js';
import { toPruneResult, type Execution, type PruneResult } from './prune-result.js';
import type { AuditPruneResult } from '../audit/prune.js';

export type { ArchiveStatus, PruneResult, PrunedArchive } from './prune-result.js';

export interface PruneOptions {
  source?: string[];
  tenant?: string;
  /** Default: every configured storage (retention applies wherever archives are). */
  storage?: string[];
  dryRun?: boolean;
  /** Restricts tenants further (schedule shards). */
  tenantFilter?: (source: string, tenant: string) => boolean;
  skipPreflight?: boolean;
  lockTtlMs?: number;
}

export async function runPrune(options: PruneOptions, ctx: Context): Promise<PruneResult> {
  const sourceNames = selectSourceNames(ctx.config, options.source);
  const storageNames = options.storage?.length ? selectStorageNames(ctx.config, options.storage) : Object.keys(ctx.config.storage);
  const dryRun = !!options.dryRun;
  if (!options.skipPreflight && !dryRun) await runPreflightGate(ctx, { for: 'prune', sources: sourceNames, storages: storageNames });
  const directory = await discoverTenantPlans(sourceNames, ctx);
  const storages = await Promise.all(storageNames.map((name) => ctx.storage(name)));
  const leases = dryRun ? [] : await lockAll(storages, options, ctx);
  try {
    const signal = AbortSignal.any([ctx.signal, ...leases.map((l) => l.signal)]);
    const groups: PlannedGroup[] = [];
    const execution: Execution = { status: new Map(), holds: new Map(), leftovers: new Map() };
    for (const storage of storages) {
      const planned = await planStorage(storage, sourceNames, directory.sources, options, execution, { ...ctx, signal });
      groups.push(...planned);
      if (!dryRun) await execute(storage, planned, execution, { ...ctx, signal });
    }
    const audit = await pruneAudit(storages, options, { ...ctx, signal });
    const result = finish(groups, execution, directory.unchecked, dryRun, storageNames, ctx, audit);
    // What the next days' prunes remove: the archive-expiring notification (docs/notifications.md).
    const within = parseDuration(ctx.config.notifications.expiringWithin, 'notifications.expiringWithin');
    const expiring = expiringArchives(groups, directory.sources, ctx.config.retention, ctx.now(), within);
    return expiring.length > 0 ? { ...result, expiring } : result;
  } finally {
    for (const lease of leases) await lease.release().catch((error: unknown) => ctx.log.warn(`prune: could not release a storage lock: ${errorMessage(error)}`));
  }
}

/**
 * The audit trail's own retention (src/audit/prune.ts), when the run covers the storage the trail
 * is kept in. A prune of one tenant (--tenant) leaves the trail alone: it is no tenant's.
 */
async function pruneAudit(storages: readonly Storage[], options: PruneOptions, ctx: Context): Promise<AuditPruneResult | undefined> {
  if (options.tenant) return undefined;
  const storage = storages.find((s) => s.name === auditStorageName(ctx.config));
  if (!storage) return undefined;
  const cutoff = new Date(ctx.now().getTime() - auditKeepWithin(ctx.config));
  return pruneAuditTrail({ storage, keepWithin: ctx.config.audit?.keepWithin ?? DEFAULT_KEEP_WITHIN, cutoff, dryRun: !!options.dryRun, signal: ctx.signal, log: ctx.log });
}

/** Every storage's lock, or none: a busy one releases the others and ends the run with exit 75. */
async function lockAll(storages: readonly Storage[], options: PruneOptions, ctx: Context): Promise<Lease[]> {
  const leases: Lease[] = [];
  try {
    for (const storage of storages) {
      leases.push(await acquireLock(storage, STORAGE_LOCK, { owner: 'prune', ttlMs: options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS, signal: ctx.signal, onLost: (error) => ctx.log.error(error.message) }));
    }
    return leases;
  } catch (error) {
    for (const lease of leases) await lease.release().catch(() => undefined);
    throw error;
  }
}

async function planStorage(
  storage: Storage,
  sourceNames: string[],
  sources: Parameters<typeof planPrune>[0]['sources'],
  options: PruneOptions,
  execution: Execution,
  ctx: Context,
): Promise<PlannedGroup[]> {
  const filter = sourceNames.length === 1 ? { source: sourceNames[0]!, ...(options.tenant ? { tenant: options.tenant } : {}) } : {};
  // With several sources, --tenant selects that tenant in every source that has it.
  const listings = (await listArchives(storage, filter, ctx.signal)).filter(
    (l) => sourceNames.includes(l.ref.source) && (!options.tenant || l.ref.tenant === options.tenant) && (!options.tenantFilter || options.tenantFilter(l.ref.source, l.ref.tenant)),
  );
  const now = ctx.now();
  const groups = planPrune({ listings, sources, retention: ctx.config.retention, now });
  const facts = new Map<string, SidecarFacts>();
  await mapLimit(needsSidecar(groups), 8, async (archive) => {
    try {
      const sidecar = await readSidecar(storage, archive.id, ctx.signal);
      facts.set(`${storage.name}\0${archive.id}`, { trigger: sidecar.trigger, labels: sidecar.labels ?? {} });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      facts.set(`${storage.name}\0${archive.id}`, { unreadable: errorMessage(error).split('\n')[0]! });
    }
  });
  protectArchives(groups, facts, now);
  await keepHeld(storage, groups, listings, execution.holds, ctx.signal);
  return groups;
}

/** Deletes removed archives, sidecar first; one failure (or lock) does not stop the others. */
async function execute(storage: Storage, groups: readonly PlannedGroup[], execution: Execution, ctx: Context): Promise<void> {
  const removals = groups.flatMap((g) => g.archives.filter((a) => a.action === 'remove'));
  await mapLimit(removals, 4, (archive) => removeUnlessLocked(storage, archive, execution, ctx));
  if (storage.cleanupIncomplete) {
    const olderThan = new Date(ctx.now().getTime() - INCOMPLETE_GRACE_MS);
    execution.leftovers.set(storage.name, await storage.cleanupIncomplete(olderThan, { signal: ctx.signal }));
  }
}

function finish(groups: PlannedGroup[], execution: Execution, unchecked: UncheckedSource[], dryRun: boolean, storages: string[], ctx: Context, audit?: AuditPruneResult): PruneResult {
  const result = { ...toPruneResult({ groups, execution, unchecked, dryRun, storages, retention: ctx.config.retention }), ...(audit ? { audit } : {}) };
  const statuses = [...result.archives.map((a) => a.status), ...unchecked.map(() => 'failed'), ...(audit?.failed ?? []).map(() => 'failed')];
  const exitCode: ExitCodeValue = statuses.length === 0 ? ExitCode.ok : exitCodeForItems(statuses);
  for (const orphan of result.orphans) {
    ctx.log.warn(`prune: ${orphan.source}/${orphan.tenant} is no longer a tenant of its source; its ${orphan.archives} archives in ${orphan.storage} follow retention.orphans`, {
      event: 'orphan',
      source: orphan.source,
      tenant: orphan.tenant,
    });
  }
  return { ...result, ok: exitCode === ExitCode.ok, exitCode };
}
