/** The result object of `prune` (what --json prints and the renderer shows), built a tenant group at a time from the plan and what was done. */
import type { RetentionConfig } from '../config/schema.js';
import type { ExitCodeValue } from '../errors.js';
import type { PlannedArchive, PlannedGroup, PolicyKind } from '../retention/plan.js';
import type { UncheckedSource } from '../retention/tenants.js';
import type { ExpiringArchive } from '../retention/expiring.js';
import type { AuditPruneResult } from '../audit/prune.js';
import type { HoldInfo } from '../archive/hold.js';

/** `held`: under legal hold, never removed; `retained`: S3 Object Lock refuses its removal for now. */
export type ArchiveStatus = 'kept' | 'removed' | 'would-remove' | 'failed' | 'held' | 'retained';

/** What prune did: per removed archive, the held archives, and temp leftovers removed per storage. */
export interface Execution {
  status: Map<PlannedArchive, { status: ArchiveStatus; error?: string; lockedUntil?: string }>;
  holds: Map<PlannedArchive, HoldInfo>;
  leftovers: Map<string, number>;
}

export interface PrunedArchive {
  id: string;
  storage: string;
  source: string;
  tenant: string;
  time: string;
  size?: number;
  complete: boolean;
  action: 'keep' | 'remove';
  /** `kept`, `removed`, `would-remove` (dry run), `failed`, `held` (legal hold) or `retained` (S3 Object Lock). */
  status: ArchiveStatus;
  reasons: string[];
  /** `default`, `plan <name>` or `orphans`. */
  policy: string;
  error?: string;
  /** status held: the legal hold. */
  hold?: HoldInfo;
  /** status retained: when the lock ends, when known. */
  lockedUntil?: string;
}

export interface OrphanTenant {
  source: string;
  tenant: string;
  storage: string;
  archives: number;
  /** The retention.orphans policy, as the config states it. */
  policy: Record<string, unknown>;
}

export interface PruneResult {
  command: 'prune';
  ok: boolean;
  exitCode: ExitCodeValue;
  dryRun: boolean;
  storages: string[];
  archives: PrunedArchive[];
  orphans: OrphanTenant[];
  /** Sources whose tenants could not be learned: none of their complete archives was judged. */
  unchecked: UncheckedSource[];
  /** Temp files of interrupted uploads removed per storage. */
  leftovers: Record<string, number>;
  summary: { kept: number; removed: number; failed: number; bytesFreed: number; held: number; retained: number };
  /** Per tenant and storage, the oldest archive retention removes within notifications.expiringWithin (present when any). */
  expiring?: ExpiringArchive[];
  /** The audit trail's retention (audit.keepWithin), when the run covered the audit storage and no --tenant. */
  audit?: AuditPruneResult;
}

function policyLabel(kind: PolicyKind, plan: string | undefined): string {
  return kind === 'plan' ? `plan ${plan}` : kind;
}

/** A group its source no longer returns: it follows retention.orphans. */
export function orphanOf(group: PlannedGroup, retention: RetentionConfig | undefined): OrphanTenant | undefined {
  if (group.policy !== 'orphans') return undefined;
  return { source: group.source, tenant: group.tenant, storage: group.storage, archives: group.archives.length, policy: { ...(retention?.orphans ?? { keepWithin: '90d' }) } };
}

/** The result items of one planned group, with what was done to them (a held archive is `held` whatever the plan said). */
export function prunedArchives(group: PlannedGroup, execution: Pick<Execution, 'status' | 'holds'>, dryRun: boolean): PrunedArchive[] {
  return group.archives.map((archive) => {
    const done = execution.status.get(archive);
    const hold = execution.holds.get(archive);
    const status: ArchiveStatus = hold ? 'held' : archive.action === 'keep' ? 'kept' : dryRun ? 'would-remove' : (done?.status ?? 'failed');
    return {
      id: archive.id,
      storage: archive.storage,
      source: archive.source,
      tenant: archive.tenant,
      time: archive.time.toISOString(),
      ...(archive.size !== undefined ? { size: archive.size } : {}),
      complete: archive.complete,
      action: archive.action,
      status,
      reasons: archive.reasons,
      policy: policyLabel(group.policy, group.plan),
      ...(done?.error ? { error: done.error } : {}),
      ...(hold ? { hold } : {}),
      ...(done?.lockedUntil ? { lockedUntil: done.lockedUntil } : {}),
    };
  });
}

export function emptySummary(): PruneResult['summary'] {
  return { kept: 0, removed: 0, failed: 0, bytesFreed: 0, held: 0, retained: 0 };
}

export function addToSummary(summary: PruneResult['summary'], archive: PrunedArchive): void {
  if (archive.status === 'kept') summary.kept++;
  else if (archive.status === 'failed') summary.failed++;
  else if (archive.status === 'held') summary.held++;
  else if (archive.status === 'retained') summary.retained++;
  else {
    summary.removed++;
    summary.bytesFreed += archive.size ?? 0;
  }
}
