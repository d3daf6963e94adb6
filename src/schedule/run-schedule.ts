/**
 * One schedule, once, under its lease lock: decide (cheaply, without the lock, so an every-minute
 * cron costs one list request when nothing is due), lock, decide again (a run that finished while
 * we waited must not be repeated), back up, prune, record the run, notify. The lock and the state
 * live in the schedule's first storage and are per shard, so Indexed Job pods never block each other.
 */
import { createHash } from 'node:crypto';
import type { TenantBackup } from '../backup/backup-tenant.js';
import { runCreate, type CreateOptions } from '../commands/create.js';
import type { ScheduleConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
import type { Context } from '../context.js';
import { BusyError, ExitCode, InterruptedError, errorMessage, isOrgbackupError } from '../errors.js';
import { sendWebhook, shouldNotify, type RunReport } from '../notify/webhook.js';
import { selectSourceNames } from '../sources/registry.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { decideDue, type CompiledSchedule, type DueDecision } from './due.js';
import { acquireLock, type Lease } from './lock.js';
import { buildRunReport, countArchives, runReason, statusOf, type RunFacts } from './report.js';
import { inShard, shardTag, type Shard } from './shard.js';
import { newRunRecord, readLastRun, recordRun, type ScheduleRunRecord } from './state.js';
import { httpUrlProblem } from '../config/db-url.js';

export interface ScheduleOutcome {
  schedule: string;
  shard: string;
  status: 'ok' | 'partial' | 'failed' | 'skipped' | 'busy';
  exitCode: number;
  due: boolean;
  reason: string;
  lastRun?: string;
  /** The previous run's outcome and, when it did not succeed, why (from the `_state` record). */
  lastRunStatus?: 'ok' | 'partial' | 'failed';
  lastRunError?: string;
  tick?: string;
  nextTick?: string;
  startedAt?: string;
  durationMs?: number;
  counts?: { ok: number; partial: number; failed: number; limited?: number };
  archives?: TenantBackup[];
  prune?: PruneOutcome;
  error?: { message: string; hint?: string };
  notified?: boolean;
  /** For metrics: the facts of a run that happened. */
  facts?: RunFacts;
}

export interface RunScheduleInput {
  compiled: CompiledSchedule;
  config: ScheduleConfig;
  shard: Shard | undefined;
  force: boolean;
  lockTtlMs: number;
  /** Applies the retention policy to what this run backed up; throws on failure. */
  prune?: (scope: PruneScope, ctx: Context) => Promise<string>;
}

export interface PruneOutcome {
  /** `skipped` when another run held the storage lock: the next run prunes what is left. */
  status: 'ok' | 'skipped' | 'failed';
  message: string;
}

export interface PruneScope {
  sources: string[];
  storages: string[];
  tenantFilter: (source: string, tenant: string) => boolean;
}

export function scheduleScope(config: ScheduleConfig, ctx: Context): { sources: string[]; storages: string[] } {
  return { sources: selectSourceNames(ctx.config, config.sources), storages: selectStorageNames(ctx.config, config.storage) };
}

/** Lock names allow [a-z0-9-]; a schedule name that needed changing gets a hash so two never collide. */
export function scheduleLockName(schedule: string, shard: string): string {
  const safe = schedule.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const suffix = safe === schedule ? '' : `-${createHash('sha256').update(schedule).digest('hex').slice(0, 8)}`;
  return `schedule-${safe}${suffix}-${shard}`;
}

function decisionFields(decision: DueDecision, lastRun: Date | undefined, record?: ScheduleRunRecord) {
  return {
    due: decision.due,
    reason: decision.reason,
    ...(lastRun ? { lastRun: lastRun.toISOString() } : {}),
    ...(record ? { lastRunStatus: record.status } : {}),
    ...(record?.error ? { lastRunError: record.error } : {}),
    ...(decision.tick ? { tick: decision.tick.toISOString() } : {}),
    ...(decision.nextTick ? { nextTick: decision.nextTick.toISOString() } : {}),
  };
}

async function decide(input: RunScheduleInput, storage: Storage, tag: string, ctx: Context) {
  const record = await readLastRun(storage, input.compiled.name, tag, ctx.log, ctx.signal);
  const lastRun = record ? new Date(record.startedAt) : undefined;
  const decision = decideDue({ schedule: input.compiled, ...(lastRun ? { lastRun } : {}), now: ctx.now(), force: input.force });
  return { decision, lastRun, record };
}

/** A run that follows a failed one says so first: the operator reading this run's log sees why the last one failed. */
function reportLastFailure(record: ScheduleRunRecord | undefined, name: string, tag: string, ctx: Context): void {
  if (!record || record.status === 'ok') return;
  const why = record.error ?? `exit ${record.exitCode}`;
  ctx.log.warn(`schedule ${name} (${tag}): last run ${record.status} at ${record.startedAt}: ${why}`, {
    event: 'schedule',
    schedule: name,
    shard: tag,
    lastRunStatus: record.status,
    lastRunError: why,
  });
}

export async function runSchedule(input: RunScheduleInput, ctx: Context): Promise<ScheduleOutcome> {
  const name = input.compiled.name;
  const tag = shardTag(input.shard);
  const scope = scheduleScope(input.config, ctx);
  const storage = await ctx.storage(scope.storages[0]!);
  const first = await decide(input, storage, tag, ctx);
  if (!first.decision.due) {
    ctx.log.debug(`schedule ${name} (${tag}) not due: ${first.decision.reason}`, { event: 'schedule', schedule: name, shard: tag, due: false });
    return { schedule: name, shard: tag, status: 'skipped', exitCode: ExitCode.ok, ...decisionFields(first.decision, first.lastRun, first.record) };
  }
  let lease: Lease;
  try {
    lease = await acquireLock(storage, scheduleLockName(name, tag), { ttlMs: input.lockTtlMs, owner: `schedule-run ${name} ${tag}`, signal: ctx.signal });
  } catch (error) {
    if (!(error instanceof BusyError)) throw error;
    ctx.log.warn(`schedule ${name} (${tag}) skipped: ${error.message}`, { event: 'schedule', schedule: name, shard: tag, status: 'busy' });
    return {
      schedule: name,
      shard: tag,
      status: 'busy',
      exitCode: ExitCode.busy,
      ...decisionFields(first.decision, first.lastRun, first.record),
      error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
    };
  }
  try {
    const { decision, lastRun, record } = await decide(input, storage, tag, ctx);
    if (!decision.due) return { schedule: name, shard: tag, status: 'skipped', exitCode: ExitCode.ok, ...decisionFields(decision, lastRun, record) };
    ctx.log.info(`schedule ${name} (${tag}) is due: ${decision.reason}`, { event: 'schedule', schedule: name, shard: tag, due: true });
    reportLastFailure(record, name, tag, ctx);
    const leaseCtx: Context = { ...ctx, signal: AbortSignal.any([ctx.signal, lease.signal]) };
    try {
      const outcome = await backUpAndRecord(input, scope, storage, tag, lease, leaseCtx);
      return { ...outcome, ...decisionFields(decision, lastRun, record) };
    } catch (error) {
      // The lease was taken over (this run was frozen longer than its lifetime): the new holder
      // runs the schedule; this run stopped and recorded nothing.
      if (!(error instanceof BusyError && lease.signal.aborted)) throw error;
      ctx.log.error(error.message, { event: 'schedule', schedule: name, shard: tag, status: 'busy' });
      return {
        schedule: name,
        shard: tag,
        status: 'busy',
        exitCode: ExitCode.busy,
        ...decisionFields(decision, lastRun, record),
        error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
      };
    }
  } finally {
    await lease.release().catch((error: unknown) => ctx.log.warn(`could not release the lock of schedule ${name}: ${errorMessage(error)}`));
  }
}

async function backUpAndRecord(
  input: RunScheduleInput,
  scope: { sources: string[]; storages: string[] },
  storage: Storage,
  tag: string,
  lease: Lease,
  ctx: Context,
): Promise<Omit<ScheduleOutcome, 'due' | 'reason'>> {
  const name = input.compiled.name;
  const startedAt = ctx.now();
  const tenantFilter = inShard(input.shard);
  const created = await createForSchedule(input, scope, tenantFilter, ctx);
  // Interrupted, or the lease was lost to another run: record nothing, the reason is the error.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  let exitCode: number = created.exitCode;
  let prune: PruneOutcome | undefined;
  if (input.config.prune && input.prune && !created.error) {
    prune = await pruneAfterBackup(input, { ...scope, tenantFilter }, ctx);
    // Backups that worked but retention that did not still fills the disk: that is a failure to report.
    if (prune.status === 'failed' && exitCode === ExitCode.ok) exitCode = ExitCode.failed;
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const finishedAt = ctx.now();
  const runError = created.error?.message ?? (prune?.status === 'failed' ? `prune failed: ${prune.message}` : undefined);
  const facts: RunFacts = {
    schedule: name,
    shard: tag,
    exitCode,
    sources: scope.sources,
    storages: scope.storages,
    archives: created.archives,
    startedAt,
    finishedAt,
    ...(runError ? { error: runError } : {}),
  };
  const counts = countArchives(created.archives);
  const reason = runReason(facts);
  const record = newRunRecord({
    schedule: name,
    shard: tag,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    exitCode,
    status: statusOf(exitCode),
    counts,
    ...(reason ? { error: reason } : {}),
  });
  // Only the holder may record: a run that lost its lease since the last renewal learns it here.
  await lease.renew();
  await recordRun(storage, record, ctx.log, ctx.signal);
  const notified = await notify(buildRunReport(facts), ctx);
  const status = statusOf(exitCode);
  // The reason goes on stderr too: a cron log keeps stderr, and stdout (the JSON) often goes nowhere.
  const hint = created.error?.hint ? ` (${created.error.hint})` : '';
  const summary = `schedule ${name} (${tag}) ${status}: ${counts.ok} ok, ${counts.partial} partial, ${counts.failed} failed`;
  ctx.log[status === 'ok' ? 'info' : 'error'](reason ? `${summary}: ${reason}${hint}` : summary, {
    event: 'schedule',
    schedule: name,
    shard: tag,
    status,
    exitCode,
    ...(reason ? { error: reason } : {}),
  });
  return {
    schedule: name,
    shard: tag,
    status,
    exitCode,
    startedAt: startedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    counts,
    archives: created.archives,
    ...(prune ? { prune } : {}),
    ...(created.error ? { error: created.error } : {}),
    ...(notified === undefined ? {} : { notified }),
    facts,
  };
}

interface Created {
  exitCode: number;
  archives: TenantBackup[];
  error?: { message: string; hint?: string };
}

/** runCreate with the schedule's selection; an error that stops the whole run becomes a failed outcome to record and alert on. */
async function createForSchedule(
  input: RunScheduleInput,
  scope: { sources: string[]; storages: string[] },
  inShardFilter: (source: string, tenant: string) => boolean,
  ctx: Context,
): Promise<Created> {
  const tenants = input.config.tenants;
  const wanted = tenants && scope.sources.length > 1 ? new Set(tenants) : undefined;
  const options: CreateOptions = {
    source: scope.sources,
    storage: scope.storages,
    trigger: `schedule:${input.compiled.name}`,
    schedule: input.compiled.name,
    ...(input.config.jobs ? { jobs: input.config.jobs } : {}),
    ...(tenants && !wanted ? { tenant: tenants } : {}),
    tenantFilter: (source, tenant) => (!wanted || wanted.has(tenant)) && inShardFilter(source, tenant),
  };
  try {
    const result = await runCreate(options, ctx);
    return { exitCode: result.exitCode, archives: result.archives };
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (error instanceof InterruptedError) throw error;
    const known = isOrgbackupError(error);
    return { exitCode: known ? error.exitCode : ExitCode.failed, archives: [], error: { message: errorMessage(error), ...(known && error.hint ? { hint: error.hint } : {}) } };
  }
}

async function pruneAfterBackup(input: RunScheduleInput, scope: PruneScope, ctx: Context): Promise<PruneOutcome> {
  try {
    return { status: 'ok', message: await input.prune!(scope, ctx) };
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (error instanceof BusyError) {
      ctx.log.warn(`prune skipped: ${error.message}`, { event: 'prune', schedule: input.compiled.name });
      return { status: 'skipped', message: error.message };
    }
    ctx.log.error(`prune after schedule ${input.compiled.name} failed: ${errorMessage(error)}`, { event: 'prune', schedule: input.compiled.name });
    return { status: 'failed', message: errorMessage(error) };
  }
}

async function notify(report: RunReport, ctx: Context): Promise<boolean | undefined> {
  const webhook = ctx.config.notifications.webhook;
  if (!webhook || !shouldNotify(webhook.on, report.status)) return undefined;
  let url: string | undefined;
  try {
    url = await resolveSecret(webhook.url, webhook.urlFile, 'notifications.webhook.urlFile');
  } catch (error) {
    // An alert channel that is misconfigured must not fail the backup it reports on.
    ctx.log.warn(`webhook not sent: ${errorMessage(error)}`, { event: 'webhook' });
    return false;
  }
  if (!url) return false;
  // A URL given inline was checked at load; one read from urlFile only now.
  const problem = webhook.urlFile ? httpUrlProblem(url) : undefined;
  if (problem) {
    ctx.log.warn(`webhook not sent: the URL in notifications.webhook.urlFile ${problem}`, { event: 'webhook' });
    return false;
  }
  return sendWebhook({ url, on: webhook.on, timeoutMs: webhook.timeoutMs }, report, { signal: ctx.signal, log: ctx.log });
}
