/** `orgbackup create`: one archive per (source, tenant), written to every selected storage. */
import type { Config, HooksConfig } from '../config/schema.js';
import { runHook } from '../hooks/run-hook.js';
import { selectCategory } from '../sources/rows/categories.js';
import { backupTenant, type TenantBackup } from '../backup/backup-tenant.js';
import { applyLimits, prepareLimitGate, type LimitGate } from '../backup/limits-gate.js';
import { selectTenants, tenantIdProblem, uniqueTenants, type Selected } from '../backup/select.js';
import type { Context } from '../context.js';
import { createEncryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { planPaths } from '../sources/checks/rows-paths.js';
import { runPreflightGate } from '../preflight/gate.js';
import { createSource, selectSourceNames } from '../sources/registry.js';
import type { Source, Tenant } from '../sources/types.js';
import { selectStorageNames } from '../storage/registry.js';
import { mapLimit, Slots } from '../util/pool.js';
import { emitQuotaWarnings } from '../notify/quota.js';

export interface CreateOptions {
  source?: string[];
  tenant?: string[];
  storage?: string[];
  jobs?: number;
  label?: string[];
  /** rows mode: back up only this category of tables (tenants.categories) and the parents it needs. */
  category?: string;
  dryRun?: boolean;
  trigger?: string;
  /** Restricts tenants further (schedule shards); applied after --tenant. */
  tenantFilter?: (source: string, tenant: string) => boolean;
  skipPreflight?: boolean;
  /** Merged into every archive's manifest `details` (point-in-time reads: `recoveredTo`). */
  details?: Record<string, unknown>;
  /** The schedule running this create, checked against each plan's limits.schedules. */
  schedule?: string;
  /** Manual runs: back up tenants over their plan's limits (each says which in `limitsIgnored`). */
  ignoreLimits?: boolean;
}

export interface CreateResult {
  command: 'create';
  ok: boolean;
  exitCode: ExitCodeValue;
  dryRun: boolean;
  storages: string[];
  archives: TenantBackup[];
  planned?: { source: string; tenant: string; tenantName?: string }[];
  /** Dry run of rows sources: how each copied table is tied to the tenant. */
  paths?: { source: string; table: string; path: string }[];
  /** --ignore-limits was given. */
  ignoreLimits?: boolean;
}

/** Tenants whose archive may be committing (written, waiting for its fsyncs) beside those dumping. */
const COMMITTING = 16;

export function parseLabels(labels: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of labels ?? []) {
    const eq = label.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label ${label}: expected key=value`, { hint: 'write each label as --label key=value, e.g. --label reason=before-upgrade' });
    out[label.slice(0, eq)] = label.slice(eq + 1);
  }
  return out;
}

export async function runCreate(options: CreateOptions, ctx: Context): Promise<CreateResult> {
  const labels = parseLabels(options.label);
  const sourceNames = selectSourceNames(ctx.config, options.source);
  const storageNames = selectStorageNames(ctx.config, options.storage);
  if (options.tenant?.length && sourceNames.length > 1) {
    throw new UsageError('--tenant needs exactly one --source', { hint: 'tenant ids belong to one source: add --source <name>' });
  }
  const config = options.category ? withCategory(ctx.config, sourceNames, options.category) : ctx.config;
  const sources = await Promise.all(sourceNames.map((name) => createSource(config, name, ctx.baseDir)));
  try {
    if (!options.skipPreflight && !options.dryRun) await runPreflightGate(ctx, { for: 'create', sources: sourceNames, storages: storageNames, ...(options.jobs ? { jobs: options.jobs } : {}) });
    const { selected, rejected } = await discoverAll(sources, options, storageNames, ctx);
    for (const result of rejected) logOutcome(result, ctx);
    if (options.dryRun) {
      const planned = selected.map(({ source, tenant }) => ({ source: source.name, tenant: tenant.id, ...(tenant.name ? { tenantName: tenant.name } : {}) }));
      const paths = await rowsPaths(sources);
      return { command: 'create', ok: true, exitCode: ExitCode.ok, dryRun: true, storages: storageNames, archives: [], planned, ...(paths.length > 0 ? { paths } : {}) };
    }
    const storages = await Promise.all(storageNames.map((name) => ctx.storage(name)));
    const jobs = options.jobs ?? ctx.config.defaults.jobs;
    ctx.progress.start('tenants', selected.length);
    // `jobs` tenants dump at once (each holds database connections); a tenant whose dump is done
    // commits its archive (storage fsyncs, sidecar) while the next ones dump. Up to COMMITTING
    // tenants commit at once: their fsyncs wait on the disk, not the CPU, and local storage makes
    // their directories durable in shared rounds (storage/dir-sync.ts).
    const dumping = new Slots(jobs);
    const gate = await prepareLimitGate(selected, storages, options.schedule, ctx);
    const stored = await mapLimit(selected, jobs + COMMITTING, async ({ source, tenant }) => {
      const limits = applyLimits(gate, source.name, tenant, !!options.ignoreLimits);
      if (limits.refused) return finished(limits.refused, ctx);
      const release = await dumping.acquire();
      try {
        const encryptor = await createEncryptor(ctx.config, { source: source.name, tenant: tenant.id, baseDir: ctx.baseDir });
        const hooks = config.sources[source.name]?.hooks;
        const backupOptions = {
          trigger: options.trigger ?? 'manual',
          labels,
          encryptor,
          compression: ctx.config.defaults.compression,
          onDumped: release,
          hooks,
          details: options.details,
          ...(limits.refuseSize ? { refuseSize: limits.refuseSize } : {}),
        };
        const dumped = limits.annotate(await backupTenant(source, tenant, storages, backupOptions, ctx));
        const result = await afterCreateHook(dumped, hooks, ctx);
        ctx.progress.itemDone();
        logOutcome(result, ctx);
        return result;
      } finally {
        release();
      }
    });
    ctx.progress.stop();
    // An interrupted run never reports success, even when the signal came after the last commit.
    ctx.signal.throwIfAborted();
    await warnQuotas(gate, stored, options.schedule === undefined ? 'create' : 'schedule-run', ctx);
    const archives = [...rejected, ...stored];
    const exitCode = exitCodeForBackups(archives);
    return { command: 'create', ok: exitCode === ExitCode.ok, exitCode, dryRun: false, storages: storageNames, archives, ...(options.ignoreLimits ? { ignoreLimits: true } : {}) };
  } finally {
    ctx.progress.stop();
    await Promise.all(sources.map((s) => s.close()));
  }
}

/** Rows sources' plans as tenant paths (a config the plan cannot follow, e.g. a wrong tenants.paths, is exit 2 here too). */
async function rowsPaths(sources: Source[]): Promise<NonNullable<CreateResult['paths']>> {
  const out: NonNullable<CreateResult['paths']> = [];
  for (const source of sources) {
    const plan = await source.rowsPlan?.();
    if (plan) out.push(...planPaths(source.name, plan));
  }
  return out;
}

/** The tenants to back up, and those whose id cannot name an archive (each a failed result). */
async function discoverAll(sources: Source[], options: CreateOptions, storageNames: readonly string[], ctx: Context): Promise<{ selected: Selected[]; rejected: TenantBackup[] }> {
  const selected: Selected[] = [];
  const rejected: TenantBackup[] = [];
  for (const source of sources) {
    const found = uniqueTenants(await source.discoverTenants(ctx.signal));
    if (found.repeated.length > 0) {
      ctx.log.warn(`${source.name}: the tenants query returned ${found.repeated.map((id) => `"${id}"`).join(', ')} more than once; each tenant is backed up once`, {
        source: source.name,
        repeated: found.repeated,
      });
    }
    const discovered = found.tenants;
    const wanted = selectTenants(source, discovered, options.tenant).filter((tenant) => !options.tenantFilter || options.tenantFilter(source.name, tenant.id));
    const chosen = wanted.filter((tenant) => {
      const problem = tenantIdProblem(tenant);
      if (problem) rejected.push(unusableTenant(source, tenant, problem, storageNames));
      return !problem;
    });
    if (!options.dryRun) source.planRun?.(chosen, { discovered: discovered.length, signal: ctx.signal, log: ctx.log, tempDir: () => ctx.tempDir() });
    selected.push(...chosen.map((tenant) => ({ source, tenant })));
  }
  return { selected, rejected };
}

/** A tenant that gets no archive: nothing was written for it. */
function unusableTenant(source: Source, tenant: Tenant, problem: string, storages: readonly string[]): TenantBackup {
  const hint =
    source.mode === 'directory'
      ? `rename that directory, or exclude it (sources.${source.name}.tenants.exclude)`
      : tenant.idProblem
        ? `make the tenants query of source ${source.name} return no NULL ids (e.g. WHERE id IS NOT NULL)`
        : `make the tenants query or match of source ${source.name} return only ids that are not empty and fit a key (e.g. WHERE id <> '' AND octet_length(id) <= 85)`;
  const shown = tenant.idProblem ? 'NULL' : tenant.id.length > 60 ? `"${tenant.id.slice(0, 40)}…" (${tenant.id.length} characters)` : `"${tenant.id}"`;
  return {
    source: source.name,
    tenant: tenant.id,
    ...(tenant.name ? { tenantName: tenant.name } : {}),
    id: '',
    status: 'failed',
    durationMs: 0,
    storages: storages.map((name) => ({ name, status: 'failed' as const })),
    error: `tenant ${shown} of source ${source.name} was not backed up: ${problem}`,
    hint,
  };
}

/**
 * 0 all stored everywhere; 1 nothing stored and something failed; 3 anything in between (SPEC.md
 * exit 3). A tenant its plan limits stopped is not a failure: a run where every tenant was limited
 * exits 3 (not every tenant was backed up, and nothing is broken).
 */
export function exitCodeForBackups(archives: readonly TenantBackup[]): ExitCodeValue {
  if (archives.every((a) => a.status === 'ok')) return ExitCode.ok;
  const judged = archives.filter((a) => a.status !== 'limited');
  if (judged.length > 0 && judged.every((a) => a.status === 'failed')) return ExitCode.failed;
  return ExitCode.partial;
}

/** Tenants above 80% of a plan limit after the run: a warning in the log and the quota-warning event (never changes the outcome). */
async function warnQuotas(gate: LimitGate | undefined, stored: readonly TenantBackup[], command: string, ctx: Context): Promise<void> {
  const warnings = gate?.quotaWarnings(stored) ?? [];
  for (const w of warnings) {
    ctx.log.warn(`${w.source}/${w.tenant}: ${w.limit} at ${w.percent}% (${w.used} of ${w.max}, plan ${w.plan ?? 'none'})`, {
      event: 'quota',
      source: w.source,
      tenant: w.tenant,
      limit: w.limit,
      percent: w.percent,
    });
  }
  await emitQuotaWarnings(command, warnings, ctx);
}

function finished(result: TenantBackup, ctx: Context): TenantBackup {
  ctx.progress.itemDone();
  logOutcome(result, ctx);
  return result;
}

function logOutcome(result: TenantBackup, ctx: Context): void {
  const fields = { event: 'archive', source: result.source, tenant: result.tenant, id: result.id, status: result.status, size: result.size, durationMs: result.durationMs };
  for (const warning of [...(result.warnings ?? []), ...(result.limitsIgnored ?? []).map((r) => `${r} (--ignore-limits)`)])
    ctx.log.warn(`${result.source}/${result.tenant}: ${warning}`, { ...fields, event: 'limits' });
  if (result.status === 'limited')
    ctx.log.warn(`${result.source}/${result.tenant} not backed up: ${result.reason ?? 'over its plan limits'}`, { ...fields, reason: result.reason, limits: result.limits });
  else if (result.status === 'ok') ctx.log.info(`stored ${result.id}`, fields);
  else ctx.log.error(`${result.source}/${result.tenant}: ${result.error ?? 'failed'}`, { ...fields, error: result.error });
}

/** The config with `category` selected in each chosen source (each must be a rows source that defines it). */
function withCategory(config: Config, sourceNames: readonly string[], category: string): Config {
  const sources = { ...config.sources };
  for (const name of sourceNames) {
    const source = sources[name]!;
    if (!('tenants' in source) || source.tenants.mode !== 'rows')
      throw new UsageError(`--category works in rows mode; source ${name} is not in rows mode`, { hint: 'leave --category out for this source, or select rows-mode sources with --source' });
    sources[name] = selectCategory(source, category);
  }
  return { ...config, sources };
}

/** postCreate gets the outcome; when it fails with onError fail, the tenant's result says so (the archive stays). */
async function afterCreateHook(result: TenantBackup, hooks: HooksConfig | undefined, ctx: Context): Promise<TenantBackup> {
  const failed = await runHook(hooks?.postCreate, { event: 'postCreate', source: result.source, tenant: result.tenant, archiveId: result.id, outcome: result.status }, ctx.signal);
  if (!failed) return result;
  if (hooks?.postCreate?.onError === 'continue') {
    ctx.log.warn(`${failed} (onError: continue)`, { event: 'hook', id: result.id });
    return result;
  }
  const stored = result.status === 'failed' ? '' : `; archive ${result.id} was stored`;
  return { ...result, status: 'failed', error: `${result.error ? `${result.error}; ` : ''}${failed}${stored}` };
}
