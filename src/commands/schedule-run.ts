/**
 * `orgbackup schedule-run`: for cron and Kubernetes CronJobs. Runs each selected schedule that is
 * due (or every selected one with --now) once, one after another, then writes metrics and exits
 * with the worst outcome: a failure (1, 4, ...) over partial (3) over busy (75) over success (0).
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listArchives, type ArchiveListing } from '../archive/catalog.js';
import { ConfigError, ExitCode, OrgbackupError, PreflightError, UsageError, errorMessage, type ExitCodeValue } from '../errors.js';
import type { Context } from '../context.js';
import { pushMetrics, writeMetricsFile, formatMetrics, type Sample } from '../notify/metrics.js';
import { registerSecret } from '../redact.js';
import { compileSchedule, type CompiledSchedule } from '../schedule/due.js';
import { DEFAULT_LOCK_TTL_MS } from '../schedule/lock.js';
import { newestComplete, runSamples, type RunFacts } from '../schedule/report.js';
import { runSchedule, type RunScheduleInput, type ScheduleOutcome } from '../schedule/run-schedule.js';
import { resolveShard, shardTag } from '../schedule/shard.js';
import { parseDuration } from '../util/duration.js';

export interface ScheduleRunOptions {
  schedule?: string[];
  now?: boolean;
  shard?: string;
  metricsFile?: string;
  pushgateway?: string;
}

export type ScheduleRunItem = Omit<ScheduleOutcome, 'facts'>;

export interface ScheduleRunResult {
  command: 'schedule-run';
  ok: boolean;
  exitCode: ExitCodeValue;
  host: string;
  shard: string;
  schedules: ScheduleRunItem[];
  metrics?: { file?: string; pushed?: boolean; error?: string };
}

/** The lease lifetime: ORGBACKUP_LOCK_TTL (a duration such as 90s or 10m), default 5 minutes. */
export function lockTtl(env: Record<string, string | undefined>): number {
  const text = env.ORGBACKUP_LOCK_TTL;
  if (text === undefined || text === '') return DEFAULT_LOCK_TTL_MS;
  const ms = parseDuration(text, 'ORGBACKUP_LOCK_TTL');
  if (ms < 2000) throw new UsageError(`ORGBACKUP_LOCK_TTL=${text} is too short`, { hint: 'use at least 2s; the lease is renewed every third of it' });
  return ms;
}

function selectSchedules(ctx: Context, requested: readonly string[] | undefined): CompiledSchedule[] {
  const defined = Object.keys(ctx.config.schedules);
  if (defined.length === 0) {
    throw new UsageError('the config defines no schedules', { hint: 'add e.g. "schedules": {"nightly": {"cron": "0 2 * * *", "timezone": "UTC"}}' });
  }
  const names = requested && requested.length > 0 ? [...new Set(requested)] : defined;
  const unknown = names.filter((n) => !ctx.config.schedules[n]);
  if (unknown.length > 0) throw new UsageError(`unknown schedule ${unknown.map((n) => `"${n}"`).join(', ')}`, { hint: `schedules in the config: ${defined.join(', ')}` });
  const problems: string[] = [];
  const compiled: CompiledSchedule[] = [];
  for (const name of names) {
    const { cron, timezone } = ctx.config.schedules[name]!;
    try {
      compiled.push(compileSchedule(name, cron, timezone));
    } catch (error) {
      problems.push(`schedules.${name}: "${cron}" in timezone "${timezone}": ${errorMessage(error)}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, ctx.configPath);
  return compiled;
}

const SEVERITY: readonly number[] = [ExitCode.failed, ExitCode.preflight, ExitCode.verification, ExitCode.usage, ExitCode.partial, ExitCode.busy];

export function worstExitCode(codes: readonly number[]): ExitCodeValue {
  for (const code of SEVERITY) if (codes.includes(code)) return code as ExitCodeValue;
  return codes.find((c) => c !== ExitCode.ok) === undefined ? ExitCode.ok : ExitCode.failed;
}

export async function runScheduleRun(options: ScheduleRunOptions, ctx: Context): Promise<ScheduleRunResult> {
  const shard = resolveShard(options.shard, ctx.env);
  const compiled = selectSchedules(ctx, options.schedule);
  const ttlMs = lockTtl(ctx.env);
  if (options.pushgateway) registerSecret(options.pushgateway);
  if (options.metricsFile) await checkMetricsDirectory(options.metricsFile);
  const outcomes: ScheduleOutcome[] = [];
  for (const schedule of compiled) {
    outcomes.push(await runSchedule({ compiled: schedule, config: ctx.config.schedules[schedule.name]!, shard, force: !!options.now, lockTtlMs: ttlMs, prune: pruneScheduled(ttlMs) }, ctx));
  }
  const ran = outcomes.flatMap((o) => (o.facts ? [o.facts] : []));
  const metrics = ran.length > 0 && (options.metricsFile || options.pushgateway) ? await writeMetrics(ran, options, ctx) : undefined;
  const exitCode = worstExitCode(outcomes.map((o) => o.exitCode));
  return {
    command: 'schedule-run',
    ok: exitCode === ExitCode.ok,
    exitCode,
    host: os.hostname(),
    shard: shardTag(shard),
    schedules: outcomes.map(({ facts: _facts, ...item }) => item),
    ...(metrics ? { metrics } : {}),
  };
}

/** Retention after a schedule's backups, limited to the schedule's sources, storages and shard. */
function pruneScheduled(lockTtlMs: number): NonNullable<RunScheduleInput['prune']> {
  return async (scope, ctx) => {
    const { runPrune } = await import('./prune.js');
    // create ran the preflight a moment ago on the same storages.
    const result = await runPrune({ source: scope.sources, storage: scope.storages, tenantFilter: scope.tenantFilter, skipPreflight: true, lockTtlMs }, ctx);
    const { removed, kept, failed, bytesFreed } = result.summary;
    const unchecked = result.unchecked.map((u) => u.source);
    if (!result.ok) {
      const why = [failed > 0 ? `${failed} archive(s) could not be removed` : '', unchecked.length > 0 ? `tenants of ${unchecked.join(', ')} unknown` : ''].filter(Boolean).join('; ');
      throw new OrgbackupError(`prune ended with exit ${result.exitCode}${why ? `: ${why}` : ''}`, result.exitCode, { hint: 'run `orgbackup prune --dry-run` to see the plan' });
    }
    return `${removed} removed, ${kept} kept, ${(bytesFreed / 1048576).toFixed(1)} MiB freed`;
  };
}

/**
 * A metrics file that cannot be written is found before any backup runs (exit 4): otherwise the
 * alerting built on it goes silent while the log shows only a warning nobody reads.
 */
async function checkMetricsDirectory(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const user = os.userInfo().username;
  try {
    if (!(await stat(dir)).isDirectory())
      throw new PreflightError(`--metrics-file ${file}: ${dir} is not a directory`, { hint: "point --metrics-file into a directory (node_exporter's --collector.textfile.directory)" });
    await access(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PreflightError(`--metrics-file ${file}: the directory ${dir} does not exist`, { hint: `create it: install -d -o ${user} ${dir}` });
    throw new PreflightError(`--metrics-file ${file}: the directory ${dir} is not writable by ${user} (${code ?? errorMessage(error)})`, {
      hint: `let ${user} write there, e.g. chown ${user} ${dir}`,
    });
  }
}

/** Past the preflight, metrics never change the exit status: a write that fails late is logged, the backups stand. */
async function writeMetrics(ran: RunFacts[], options: ScheduleRunOptions, ctx: Context): Promise<NonNullable<ScheduleRunResult['metrics']>> {
  const perRun: { schedule: string; shard: string; samples: Sample[] }[] = [];
  for (const facts of ran) perRun.push({ schedule: facts.schedule, shard: facts.shard, samples: runSamples(facts, await newestArchives(facts, ctx)) });
  const out: NonNullable<ScheduleRunResult['metrics']> = {};
  try {
    if (options.metricsFile) {
      await writeMetricsFile(
        options.metricsFile,
        perRun.flatMap((r) => r.samples),
      );
      out.file = options.metricsFile;
    }
    // One Pushgateway group per schedule and shard, replaced whole: it holds exactly that run's tenants.
    if (options.pushgateway) {
      for (const run of perRun) await pushMetrics(options.pushgateway, run, formatMetrics(run.samples), ctx.signal);
      out.pushed = true;
    }
  } catch (error) {
    out.error = errorMessage(error);
    ctx.log.warn(`metrics: ${out.error}`, { event: 'metrics' });
  }
  return out;
}

async function newestArchives(facts: RunFacts, ctx: Context): Promise<Map<string, ArchiveListing>> {
  const storage = await ctx.storage(facts.storages[0]!);
  const listings: ArchiveListing[] = [];
  for (const source of new Set(facts.archives.map((a) => a.source))) listings.push(...(await listArchives(storage, { source }, ctx.signal)));
  return newestComplete(listings);
}
