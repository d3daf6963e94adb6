/** The result object of `prune` (what --json prints and the renderer shows), built from the plan and what was done. */
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

export interface ResultInput {
  groups: readonly PlannedGroup[];
  execution: Execution;
  unchecked: UncheckedSource[];
  dryRun: boolean;
  storages: string[];
  retention: RetentionConfig | undefined;
}

function policyLabel(kind: PolicyKind, plan: string | undefined): string {
  return kind === 'plan' ? `plan ${plan}` : kind;
}

export function toPruneResult(input: ResultInput): Omit<PruneResult, 'ok' | 'exitCode'> {
  const archives: PrunedArchive[] = [];
  const orphans: OrphanTenant[] = [];
  for (const group of input.groups) {
    if (group.policy === 'orphans') {
      orphans.push({ source: group.source, tenant: group.tenant, storage: group.storage, archives: group.archives.length, policy: { ...(input.retention?.orphans ?? { keepWithin: '90d' }) } });
    }
    for (const archive of group.archives) {
      const done = input.execution.status.get(archive);
      const hold = input.execution.holds.get(archive);
      const status: ArchiveStatus = hold ? 'held' : archive.action === 'keep' ? 'kept' : input.dryRun ? 'would-remove' : (done?.status ?? 'failed');
      archives.push({
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
      });
    }
  }
  const removed = archives.filter((a) => a.status === 'removed' || a.status === 'would-remove');
  return {
    command: 'prune',
    dryRun: input.dryRun,
    storages: input.storages,
    archives,
    orphans,
    unchecked: input.unchecked,
    leftovers: Object.fromEntries(input.execution.leftovers),
    summary: {
      kept: archives.filter((a) => a.status === 'kept').length,
      removed: removed.length,
      failed: archives.filter((a) => a.status === 'failed').length,
      bytesFreed: removed.reduce((sum, a) => sum + (a.size ?? 0), 0),
      held: archives.filter((a) => a.status === 'held').length,
      retained: archives.filter((a) => a.status === 'retained').length,
    },
  };
}
