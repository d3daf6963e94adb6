/** The result object of `prune` (what --json prints and the renderer shows), built a tenant group at a time from the plan and what was done. */
import type { RetentionConfig } from '../config/schema.js';
import type { ExitCodeValue } from '../errors.js';
import type { PlannedArchive, PlannedGroup, PolicyKind } from '../retention/plan.js';
import type { UncheckedSource } from '../retention/tenants.js';
import type { ExpiringArchive } from '../retention/expiring.js';

export type ArchiveStatus = 'kept' | 'removed' | 'would-remove' | 'failed';

/** What prune did: per removed archive, and temp leftovers removed per storage. */
export interface Execution {
  status: Map<PlannedArchive, { status: ArchiveStatus; error?: string }>;
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
  /** `kept`, `removed`, `would-remove` (dry run) or `failed`. */
  status: ArchiveStatus;
  reasons: string[];
  /** `default`, `plan <name>` or `orphans`. */
  policy: string;
  error?: string;
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
  summary: { kept: number; removed: number; failed: number; bytesFreed: number };
  /** Per tenant and storage, the oldest archive retention removes within notifications.expiringWithin (present when any). */
  expiring?: ExpiringArchive[];
}

function policyLabel(kind: PolicyKind, plan: string | undefined): string {
  return kind === 'plan' ? `plan ${plan}` : kind;
}

/** A group its source no longer returns: it follows retention.orphans. */
export function orphanOf(group: PlannedGroup, retention: RetentionConfig | undefined): OrphanTenant | undefined {
  if (group.policy !== 'orphans') return undefined;
  return { source: group.source, tenant: group.tenant, storage: group.storage, archives: group.archives.length, policy: { ...(retention?.orphans ?? { keepWithin: '90d' }) } };
}

/** The result items of one planned group, with what was done to them. */
export function prunedArchives(group: PlannedGroup, execution: Pick<Execution, 'status'>, dryRun: boolean): PrunedArchive[] {
  return group.archives.map((archive) => {
    const done = execution.status.get(archive);
    const status: ArchiveStatus = archive.action === 'keep' ? 'kept' : dryRun ? 'would-remove' : (done?.status ?? 'failed');
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
    };
  });
}

export function emptySummary(): PruneResult['summary'] {
  return { kept: 0, removed: 0, failed: 0, bytesFreed: 0 };
}

export function addToSummary(summary: PruneResult['summary'], archive: PrunedArchive): void {
  if (archive.status === 'kept') summary.kept++;
  else if (archive.status === 'failed') summary.failed++;
  else {
    summary.removed++;
    summary.bytesFreed += archive.size ?? 0;
  }
}
