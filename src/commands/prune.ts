/**
 * `orgbackup prune`: applies the retention policy. Decide, then act (restic PlanPrune/Execute):
 * learn the tenants and their plans, take every selected storage's lock, plan from key listings a
 * tenant at a time as the listing arrives (one tenant's archives in memory, not the fleet's), read
 * sidecars only of archives the policy would remove (labels, trigger), then delete each removed
 * archive sidecar first, so that a prune cut off half-way never leaves an archive that
 * list/restore/verify would take for complete. `--dry-run` plans without the lock and deletes nothing.
 */
import { listTenantGroups, readSidecar, type ArchiveListing, type ListFilter } from '../archive/catalog.js';
import type { Context } from '../context.js';
import { ExitCode, errorMessage, type ExitCodeValue } from '../errors.js';
import { runPreflightGate } from '../preflight/gate.js';
import { INCOMPLETE_GRACE_MS, needsSidecar, planPrune, protectArchives, type PlannedGroup, type SidecarFacts } from '../retention/plan.js';
import { expiringArchives, type ExpiringArchive } from '../retention/expiring.js';
import { parseDuration } from '../util/duration.js';
import { discoverTenantPlans, type UncheckedSource } from '../retention/tenants.js';
import { acquireLock, DEFAULT_LOCK_TTL_MS, STORAGE_LOCK, type Lease } from '../schedule/lock.js';
import { selectSourceNames } from '../sources/registry.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { mapLimit, mapOrdered } from '../util/pool.js';
import { pruneAuditTrail, type AuditPruneResult } from '../audit/prune.js';
import { auditKeepWithin, auditStorageName, DEFAULT_KEEP_WITHIN } from '../audit/trail.js';
import { keepHeld, removeUnlessLocked } from './prune-immutable.js';
import { addToSummary, emptySummary, orphanOf, prunedArchives, type Execution, type OrphanTenant, type PruneResult, type PrunedArchive } from './prune-result.js';

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
    const tally = new PruneTally(ctx, dryRun, directory.sources);
    for (const storage of storages) {
      const planned = mapOrdered(listTenantGroups(storage, filterFor(sourceNames, options), signal), 4, (group) =>
        planAndExecute(storage, group, sourceNames, directory.sources, options, { ...ctx, signal }),
      );
      for await (const group of planned) tally.add(group);
      if (!dryRun && storage.cleanupIncomplete) {
        const olderThan = new Date(ctx.now().getTime() - INCOMPLETE_GRACE_MS);
        tally.leftovers.set(storage.name, await storage.cleanupIncomplete(olderThan, { signal }));
      }
    }
    const audit = await pruneAudit(storages, options, { ...ctx, signal });
    return finish(tally, directory.unchecked, dryRun, storageNames, ctx, audit);
  } finally {
    for (const lease of leases) await lease.release().catch((error: unknown) => ctx.log.warn(`prune: could not release a storage lock: ${errorMessage(error)}`));
  }
}

/**
 * What prune did, a tenant group at a time: each group's items are handed on (written out at once
 * under the CLI, Context.items) and only counts, orphans and expiring archives (one record per
 * tenant) are kept.
 */
class PruneTally {
  readonly archives: PrunedArchive[] = [];
  readonly orphans: OrphanTenant[] = [];
  readonly expiring: ExpiringArchive[] = [];
  readonly leftovers = new Map<string, number>();
  readonly summary = emptySummary();
  items = 0;
  private readonly emit: (item: unknown) => void;
  private readonly within: number;

  constructor(
    private readonly ctx: Context,
    private readonly dryRun: boolean,
    private readonly sources: Parameters<typeof planPrune>[0]['sources'],
  ) {
    this.emit = ctx.items?.for('prune') ?? ((item) => void this.archives.push(item as PrunedArchive));
    // What the next days' prunes remove: the archive-expiring notification (docs/notifications.md).
    this.within = parseDuration(ctx.config.notifications.expiringWithin, 'notifications.expiringWithin');
  }

  add({ groups, execution }: { groups: PlannedGroup[]; execution: Execution }): void {
    for (const group of groups) {
      const orphan = orphanOf(group, this.ctx.config.retention);
      if (orphan) this.orphans.push(orphan);
      for (const item of prunedArchives(group, execution, this.dryRun)) {
        addToSummary(this.summary, item);
        this.items++;
        this.emit(item);
      }
    }
    this.expiring.push(...expiringArchives(groups, this.sources, this.ctx.config.retention, this.ctx.now(), this.within));
  }
}

function filterFor(sourceNames: string[], options: PruneOptions): ListFilter {
  // With several sources, --tenant selects that tenant in every source that has it.
  return sourceNames.length === 1 ? { source: sourceNames[0]!, ...(options.tenant ? { tenant: options.tenant } : {}) } : {};
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

/** One tenant's archives in one storage: planned, protected by their sidecars, and (unless a dry run) removed. */
async function planAndExecute(
  storage: Storage,
  group: ArchiveListing[],
  sourceNames: string[],
  sources: Parameters<typeof planPrune>[0]['sources'],
  options: PruneOptions,
  ctx: Context,
): Promise<{ groups: PlannedGroup[]; execution: Execution }> {
  const listings = group.filter(
    (l) => sourceNames.includes(l.ref.source) && (!options.tenant || l.ref.tenant === options.tenant) && (!options.tenantFilter || options.tenantFilter(l.ref.source, l.ref.tenant)),
  );
  const execution: Execution = { status: new Map(), holds: new Map(), leftovers: new Map() };
  if (listings.length === 0) return { groups: [], execution };
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
  if (!options.dryRun) await execute(storage, groups, execution, ctx);
  return { groups, execution };
}

/** Deletes removed archives, sidecar first; one failure (or lock) does not stop the others. */
async function execute(storage: Storage, groups: readonly PlannedGroup[], execution: Execution, ctx: Context): Promise<void> {
  const removals = groups.flatMap((g) => g.archives.filter((a) => a.action === 'remove'));
  await mapLimit(removals, 4, (archive) => removeUnlessLocked(storage, archive, execution, ctx));
}

function finish(tally: PruneTally, unchecked: UncheckedSource[], dryRun: boolean, storages: string[], ctx: Context, audit?: AuditPruneResult): PruneResult {
  // Held and retained archives are kept on purpose, never failures; audit objects that could not go are.
  const auditFailed = audit?.failed.length ?? 0;
  const failed = tally.summary.failed + unchecked.length + auditFailed;
  const total = tally.items + unchecked.length + auditFailed;
  const exitCode: ExitCodeValue = failed === 0 ? ExitCode.ok : failed === total ? ExitCode.failed : ExitCode.partial;
  for (const orphan of tally.orphans) {
    ctx.log.warn(`prune: ${orphan.source}/${orphan.tenant} is no longer a tenant of its source; its ${orphan.archives} archives in ${orphan.storage} follow retention.orphans`, {
      event: 'orphan',
      source: orphan.source,
      tenant: orphan.tenant,
    });
  }
  return {
    command: 'prune',
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun,
    storages,
    archives: tally.archives,
    orphans: tally.orphans,
    unchecked,
    leftovers: Object.fromEntries(tally.leftovers),
    summary: tally.summary,
    ...(tally.expiring.length > 0 ? { expiring: tally.expiring } : {}),
    ...(audit ? { audit } : {}),
  };
}
