/** Maps a parsed command line to its command function (imported lazily) and its options. */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { CommandResultBase } from './render/index.js';

type Opts = Record<string, unknown> & { args: unknown[] };
type Runner = (opts: Opts, ctx: Context) => Promise<CommandResultBase>;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown) => v === true;

export const runners: Record<string, Runner> = {
  create: async (o, ctx) => {
    const options = {
      source: list(o.source),
      tenant: list(o.tenant),
      storage: list(o.storage),
      jobs: num(o.jobs),
      label: list(o.label),
      category: str(o.category),
      dryRun: bool(o.dryRun),
      ignoreLimits: bool(o.ignoreLimits),
    };
    if (str(o.at)) return (await import('../pitr/commands.js')).runCreateAt({ ...options, at: str(o.at)! }, ctx);
    return (await import('../commands/create.js')).runCreate(options, ctx);
  },
  list: async (o, ctx) =>
    (await import('../commands/list.js')).runList(
      { source: str(o.source), tenant: str(o.tenant), storage: list(o.storage), limit: num(o.limit), long: bool(o.long), stale: str(o.stale), usage: bool(o.usage), json: bool(o.globalJson) },
      ctx,
    ),
  restore: async (o, ctx) => {
    const options = {
      cwd: process.cwd(),
      source: str(o.source),
      tenant: str(o.tenant),
      storage: list(o.storage),
      target: str(o.target),
      conflict: str(o.conflict) as 'replace' | 'merge' | 'skip' | 'fail' | undefined,
      only: list(o.only),
      force: bool(o.force),
      yes: bool(o.yes),
      safetyBackup: o.safetyBackup !== false,
      dryRun: bool(o.dryRun),
      jobs: num(o.jobs),
      as: str(o.as),
    };
    if (str(o.at)) {
      if (options.as !== undefined) throw new UsageError('restore --at and --as cannot be combined', { hint: 'restore --at first, then clone one of its archives with restore ID --as NEW' });
      if (o.args[0] !== undefined)
        throw new UsageError('restore --at takes no archive id: it makes the archive from the physical backup', { hint: 'orgbackup restore --at TIME --source S --tenant T' });
      return (await import('../pitr/commands.js')).runRestoreAt({ ...options, at: str(o.at)! }, ctx);
    }
    const archive = str(o.args[0]);
    if (archive === undefined) throw new UsageError('restore needs an archive id, "latest" or a file', { hint: 'or --at TIME with --source and --tenant for a point-in-time restore' });
    return (await import('../commands/restore.js')).runRestore({ ...options, archive }, ctx);
  },
  'schedule-run': async (o, ctx) =>
    (await import('../commands/schedule-run.js')).runScheduleRun(
      { schedule: list(o.schedule), now: bool(o.now), shard: str(o.shard), metricsFile: str(o.metricsFile), pushgateway: str(o.pushgateway) },
      ctx,
    ),
  prune: async (o, ctx) =>
    (await import('../commands/prune.js')).runPrune({ source: str(o.source) ? [str(o.source)!] : undefined, tenant: str(o.tenant), storage: list(o.storage), dryRun: bool(o.dryRun) }, ctx),
  preflight: async (o, ctx) =>
    (await import('../commands/preflight.js')).runPreflightCommand({ source: list(o.source), storage: list(o.storage), for: str(o.for) as 'create' | 'restore' | undefined }, ctx),
  verify: async (o, ctx) =>
    (await import('../commands/verify.js')).runVerify(
      {
        ids: list(o.args[0]),
        latest: bool(o.latest),
        all: bool(o.all),
        source: str(o.source),
        tenant: str(o.tenant),
        storage: list(o.storage),
        restoreTest: bool(o.restoreTest),
        quick: bool(o.quick),
        scratch: str(o.scratch),
        subset: str(o.subset),
        sample: str(o.sample),
      },
      ctx,
    ),
  delete: async (o, ctx) =>
    (await import('../commands/delete.js')).runDelete({ ids: list(o.args[0]) ?? [], storage: list(o.storage), force: bool(o.force), yes: bool(o.yes), dryRun: bool(o.dryRun) }, ctx),
  forget: async (o, ctx) =>
    (await import('../commands/forget.js')).runForget({ source: str(o.source), tenant: str(o.tenant), all: bool(o.all), storage: list(o.storage), yes: bool(o.yes), dryRun: bool(o.dryRun) }, ctx),
  hold: async (o, ctx) =>
    (await import('../commands/hold.js')).runHold({ ids: list(o.args[0]) ?? [], reason: str(o.reason), storage: list(o.storage), dryRun: bool(o.dryRun), actor: str(o.globalActor) }, ctx),
  release: async (o, ctx) =>
    (await import('../commands/hold.js')).runRelease({ ids: list(o.args[0]) ?? [], reason: str(o.reason), storage: list(o.storage), dryRun: bool(o.dryRun), actor: str(o.globalActor) }, ctx),
  import: async (o, ctx) => (await import('../commands/import.js')).runImport({ file: String(o.args[0]), storage: list(o.storage), dryRun: bool(o.dryRun), cwd: process.cwd() }, ctx),
  export: async (o, ctx) =>
    (await import('../commands/export.js')).runExport(
      { id: String(o.args[0]), format: str(o.format) as 'csv' | 'ndjson' | 'sql', output: str(o.output), storage: list(o.storage), cwd: process.cwd() },
      ctx,
    ),
  diff: async (o, ctx) => {
    const samples = Number(str(o.samples) ?? '5');
    if (!Number.isInteger(samples) || samples < 0) throw new UsageError(`--samples takes a whole number >= 0, not "${String(o.samples)}"`, { hint: 'e.g. --samples 10' });
    return (await import('../commands/diff.js')).runDiff({ id: String(o.args[0]), other: str(o.args[1]), live: bool(o.live), samples, storage: list(o.storage) }, ctx);
  },
  audit: async (o, ctx) => {
    const mode = str(o.args[0]);
    if (mode === 'verify') return (await import('../commands/audit.js')).runAuditVerify(ctx);
    if (mode !== undefined) throw new UsageError(`audit takes "verify" or nothing, not "${mode}"`, { hint: 'orgbackup audit [--tenant T] [--since 30d], or orgbackup audit verify' });
    return (await import('../commands/audit.js')).runAudit({ source: str(o.source), tenant: str(o.tenant), action: str(o.action), since: str(o.since) }, ctx);
  },
  get: async (o, ctx) =>
    (await import('../commands/get.js')).runGet({ id: String(o.args[0]), output: str(o.output), storage: list(o.storage), cwd: process.cwd(), stdout: process.stdout, json: bool(o.globalJson) }, ctx),
};
