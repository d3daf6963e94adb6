/**
 * `orgbackup restore <id|latest>`: put one tenant back, in an order that makes it safe to run:
 * confirmation possible? -> preflight -> the whole archive verified -> the target's schema
 * reconciled -> plan (printed and stopped here with --dry-run) -> confirmation -> safety backup
 * -> the source's restore (atomic where the engine allows). Nothing is touched before the safety
 * backup exists.
 */
import path from 'node:path';
import { listArchives, newestMadeByCreate, readSidecar, resolveArchive, type ArchiveListing } from '../archive/catalog.js';
import { checkModeMatchesSource } from '../archive/identity.js';
import { checkSourceConfigured, checkSourceMatches } from '../archive/config-match.js';
import { FILE_STORAGE, namesArchiveFile, openArchiveFile } from '../archive/file-archive.js';
import { archiveEntries } from '../archive/reader.js';
import { verifyArchive } from '../archive/verify.js';
import type { Sidecar, TableInfo } from '../archive/manifest.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import type { Decryptor } from '../crypto/types.js';
import { ExitCode, OrgbackupError, UsageError, VerificationError, isOrgbackupError, type ExitCodeValue } from '../errors.js';
import { runPreflightGate } from '../preflight/gate.js';
import { assertCanConfirm, confirmRestore } from '../restore/confirm.js';
import { planRestore, summarisePlan, type TableChange } from '../restore/plan.js';
import { describeDifferences, enforceSchema, inspectSchema, type ReconcileOutcome } from '../restore/reconcile.js';
import { guardTarget } from '../restore/target-guard.js';
import type { MergeCount } from '../sources/rows/merge.js';
import type { HookConfig, SourceConfig } from '../config/schema.js';
import { runHook, type HookContext } from '../hooks/run-hook.js';
import { createSource, engineOf } from '../sources/registry.js';
import type { RestoreOptions as SourceRestoreOptions, Source, Tenant } from '../sources/types.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';

export interface RestoreOptions {
  /** An archive id, `latest`, or an archive file (file-archive.ts namesArchiveFile). */
  archive: string;
  /** Where a relative archive file path is taken from. */
  cwd?: string;
  source?: string;
  tenant?: string;
  storage?: string[];
  target?: string;
  conflict?: 'replace' | 'merge' | 'skip' | 'fail';
  only?: string[];
  force?: boolean;
  yes?: boolean;
  safetyBackup?: boolean;
  dryRun?: boolean;
  /** Parallel loaders where the engine allows (a PostgreSQL database the restore creates). */
  jobs?: number;
  /** Rows mode: load the archive as this (new) tenant, in the same database or in --target. */
  as?: string;
  skipPreflight?: boolean;
}

export interface RestoreCommandResult {
  command: 'restore';
  ok: boolean;
  exitCode: ExitCodeValue;
  id: string;
  /** The storage read from, or `file` for an archive file. */
  storage: string;
  /** The archive file restored from (restore FILE), absolute. */
  file?: string;
  tenant: string;
  /** `--as`: the tenant the archive was loaded as (`tenant` is the archive's). */
  as?: string;
  target: string;
  dryRun: boolean;
  tables: TableInfo[];
  /** The source's steps (what a dry run would do). */
  plan?: string[];
  /** Per table: rows there now (replaced) and rows the archive loads. */
  changes?: TableChange[];
  /** `--conflict merge`: per table, rows updated, inserted, unchanged and kept. */
  merge?: MergeCount[];
  schema: { status: ReconcileOutcome['status']; differences: string[] };
  /** Why no safety backup was taken, when none was. */
  safetyBackupSkipped?: string;
  safetyBackup?: { id: string; rollback: string };
  warnings: string[];
}

export async function runRestore(options: RestoreOptions, ctx: Context): Promise<RestoreCommandResult> {
  const { storage, listing } = await findArchive(options, ctx);
  try {
    const sidecar = await readSidecar(storage, listing.id, ctx.signal);
    assertCanConfirm(sidecar, options, ctx);
    const fromFile = storage.name === FILE_STORAGE;
    if (fromFile) checkSourceConfigured(ctx.config, sidecar, `archive file ${storage.location}`);
    const source = await createSource(ctx.config, listing.ref.source, ctx.baseDir);
    try {
      if (fromFile) checkSourceMatches(source, sidecar, `archive file ${storage.location}`);
      return await restoreWith(source, storage, listing, sidecar, options, ctx);
    } finally {
      await source.close();
    }
  } catch (error) {
    if (options.archive === 'latest' && error instanceof VerificationError) await pointAtOlder(error, storage, listing, ctx);
    if (options.target) missingTargetHint(error, ctx.config.sources[listing.ref.source]);
    throw error;
  }
}

/**
 * The connection error for a missing database speaks of "the source URL"; when the database is the
 * one --target names, the fix is there (whole-database restores create it; rows mode needs its tables).
 */
function missingTargetHint(error: unknown, config: SourceConfig | undefined): void {
  const missing = isOrgbackupError(error) ? /^database "(.+)" does not exist/.exec(error.message)?.[1] : undefined;
  if (!missing || !isOrgbackupError(error)) return;
  const schemaOnly = (config && engineOf(config).schemaOnlyCommand) ?? 'a schema-only dump';
  error.message = `--target: ${error.message}`;
  error.withHint(`correct the database name in --target, or create "${missing}" with the tenant's tables first (e.g. ${schemaOnly} of the source loaded into it)`);
}

/**
 * `restore latest` met a damaged archive: nothing was touched, and the hint names the newest
 * archive before it, so an operator can choose it knowingly (never silently: an older restore
 * point loses more data).
 */
async function pointAtOlder(error: VerificationError, storage: Storage, listing: ArchiveListing, ctx: Context): Promise<void> {
  const archives = await listArchives(storage, { source: listing.ref.source, tenant: listing.ref.tenant }, ctx.signal).catch(() => []);
  const candidates = archives.filter((a) => a.complete && a.archiveKey && a.time < listing.time);
  const older = await newestMadeByCreate(storage, candidates, ctx.signal).catch(() => undefined);
  const next = older ? `the newest archive before it is ${older.id}: orgbackup restore ${older.id} --storage ${storage.name}` : 'there is no older complete archive of this tenant';
  error.withHint(`${error.hint ? `${error.hint}; ` : ''}"latest" was ${listing.id}; ${next}`);
}

async function restoreWith(source: Source, storage: Storage, listing: ArchiveListing, sidecar: Sidecar, options: RestoreOptions, ctx: Context): Promise<RestoreCommandResult> {
  // Whose data this is comes from the key; readSidecar refused a sidecar that says otherwise.
  const tenant: Tenant = { id: listing.ref.tenant, ...(sidecar.tenant.name ? { name: sidecar.tenant.name } : {}) };
  const sourceOptions: SourceRestoreOptions = {
    target: options.target,
    conflict: options.conflict ?? 'replace',
    only: options.only,
    force: !!options.force,
    dryRun: !!options.dryRun,
    jobs: options.jobs,
    ...(options.as !== undefined ? { as: options.as } : {}),
  };
  checkCloneOptions(source, tenant, options);
  const dryRun = !!options.dryRun;
  // A merge's dry run reads the archive to count what it would update, insert and keep.
  const previewMerge = dryRun && sourceOptions.conflict === 'merge';
  if (sourceOptions.conflict === 'merge' && source.mode !== 'rows') {
    throw new UsageError(`--conflict merge works in rows mode; source ${source.name} is in ${source.mode} mode`, {
      hint: 'restore without --conflict (the archive replaces the tenant), or with --target to inspect it elsewhere',
    });
  }
  checkModeMatchesSource(sidecar, source);
  if (!options.skipPreflight && !dryRun) await runPreflightGate(ctx, { for: 'restore', sources: [source.name], storages: preflightStorages(storage, options, ctx), target: options.target });
  const decryptor = await createDecryptor(ctx.config, ctx.baseDir);
  // The whole archive is proven intact before the target is touched (a dry run reads no data).
  if (!dryRun) await verifyOrRefuse(storage, listing, source, decryptor, ctx);
  const warnings: string[] = [];
  const schema = await inspectSchema(source, tenant, sidecar, options.target, ctx.signal);
  if (!dryRun) enforceSchema(schema, sidecar, !!options.force, ctx.log);
  if (options.target) {
    const note = await guardTarget(source, tenant, sidecar, options.target, !!options.force, ctx.signal, dryRun);
    if (note) warnings.push(note);
  }
  const preview = previewMerge ? { entries: archiveEntries(storage, sidecar, { decryptor, signal: ctx.signal }) } : undefined;
  const plan = await planRestore(source, tenant, sidecar, { ...sourceOptions, countMerge: previewMerge }, ctx, preview?.entries);
  const skipped = safetySkipReason(options);
  const base = {
    command: 'restore' as const,
    ok: true,
    exitCode: ExitCode.ok,
    id: listing.id,
    storage: storage.name,
    ...(storage.name === FILE_STORAGE ? { file: storage.location } : {}),
    tenant: tenant.id,
    ...(options.as !== undefined ? { as: options.as } : {}),
    dryRun,
    schema: { status: schema.status, differences: describeDifferences(schema.differences) },
    ...(skipped ? { safetyBackupSkipped: skipped } : {}),
    warnings,
  };
  if (dryRun) return { ...base, target: plan.target, tables: sidecar.tables, plan: plan.steps, changes: plan.changes, ...(plan.merge ? { merge: plan.merge } : {}) };

  await confirmRestore(sidecar, plan.target, summarisePlan(plan), !skipped, options, ctx);
  const hooks = ctx.config.sources[source.name]?.hooks;
  const hookContext = { source: source.name, tenant: tenant.id, archiveId: listing.id };
  await hookOrRefuse(hooks?.preRestore, { event: 'preRestore', ...hookContext }, warnings, ctx);
  const safety = skipped ? undefined : await takeSafetyBackup(source, tenant, sidecar, options, ctx);
  ctx.log.info(`restoring ${listing.id} into ${plan.target}`, { event: 'restore', id: listing.id });
  // When the restore fails, whatever it still runs (a decompressor, a loader, the storage read)
  // is stopped with it, so the command ends with its error instead of waiting on a child.
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const result = await source
    .restore(tenant, { sidecar, entries: archiveEntries(storage, sidecar, { decryptor, signal }), options: sourceOptions, signal, log: ctx.log, tempDir: await ctx.tempDir() })
    .catch((error: unknown) => {
      stop.abort();
      if (safety && isOrgbackupError(error)) error.hint = `${error.hint ? `${error.hint}; ` : ''}the safety backup ${safety.id} holds what was there before (${safety.rollback})`;
      return runHook(hooks?.postRestore, { event: 'postRestore', ...hookContext, outcome: 'failed' }, ctx.signal).then((failed) => {
        if (failed) ctx.log.error(failed, { event: 'hook', id: listing.id });
        throw error;
      });
    });
  const postFailed = await runHook(hooks?.postRestore, { event: 'postRestore', ...hookContext, outcome: 'ok' }, ctx.signal);
  if (postFailed) warnings.push(postFailed);
  const exitCode = postFailed && hooks?.postRestore?.onError !== 'continue' ? ExitCode.failed : ExitCode.ok;
  ctx.log.info(`restored ${listing.id} into ${result.target}`, { event: 'restored', id: listing.id });
  return {
    ...base,
    ok: exitCode === ExitCode.ok,
    exitCode,
    target: result.target,
    tables: result.tables,
    changes: plan.changes,
    ...(result.merge ? { merge: result.merge } : {}),
    ...(safety ? { safetyBackup: safety } : {}),
  };
}

/** What an archive of each mode but rows holds: the reason --as has nothing to rewrite in it. */
const WHOLE_TENANT: Record<string, string> = {
  none: 'the whole source',
  database: "the tenant's whole database",
  schema: "the tenant's whole schema",
  directory: "the tenant's whole file or directory",
};

/** `--as` clones into a tenant with no rows: rows mode only, never onto the archive's own tenant, and no --conflict but the default (or fail, which is what --as does anyway). */
function checkCloneOptions(source: Source, tenant: Tenant, options: RestoreOptions): void {
  if (options.as === undefined) return;
  if (source.mode !== 'rows') {
    throw new UsageError(
      `--as works in rows mode only (it rewrites the tenant column and keys of rows that share tables with other tenants); source ${source.name} is in ${source.mode} mode, where an archive is ${WHOLE_TENANT[source.mode] ?? 'the tenant whole'}, with no tenant column to rewrite`,
      { hint: 'restore it under another name with --target (another database URL, schema name, file or directory), then point the new tenant at it' },
    );
  }
  if (options.as === '' || (options.as === tenant.id && !options.target)) {
    throw new UsageError(options.as === '' ? '--as needs a tenant id' : `--as ${options.as} is the archive's own tenant`, {
      hint: 'name a new tenant id, or restore without --as (with --target to load the tenant as itself elsewhere)',
    });
  }
  if (options.conflict === 'merge' || options.conflict === 'skip') {
    throw new UsageError(`--conflict ${options.conflict} does not apply to --as: the clone goes into a tenant that has no rows`, {
      hint: 'drop --conflict (a new tenant that already has rows is refused, nothing is changed)',
    });
  }
}

/** Why no safety backup is taken, or undefined when one is. */
function safetySkipReason(options: RestoreOptions): string | undefined {
  if (options.safetyBackup === false) return '--no-safety-backup';
  if (options.as !== undefined) return `--as loads tenant ${options.as}, which must have no rows: there is nothing to back up, and the archive's tenant is not touched`;
  if (options.target) return '--target restores elsewhere; the tenant itself is not touched';
  return undefined;
}

async function verifyOrRefuse(storage: Storage, listing: ArchiveListing, source: Source, decryptor: Decryptor | undefined, ctx: Context): Promise<void> {
  const { item } = await verifyArchive(storage, listing, { source, decryptor, signal: ctx.signal });
  if (item.status !== 'ok') {
    throw new VerificationError(`refusing to restore ${listing.id}: ${item.error ?? 'verification failed'}; the target was not touched`, {
      hint: item.hint ?? 'choose another archive (`orgbackup list`)',
    });
  }
}

/** The storages the restore writes to or reads from: an archive file is no storage, the safety backup's storage is. */
function preflightStorages(storage: Storage, options: RestoreOptions, ctx: Context): string[] {
  if (storage.name !== FILE_STORAGE) return [storage.name];
  return safetySkipReason(options) ? [] : selectStorageNames(ctx.config, undefined).slice(0, 1);
}

async function findArchive(options: RestoreOptions, ctx: Context): Promise<{ storage: Storage; listing: ArchiveListing }> {
  if (options.archive !== 'latest' && namesArchiveFile(options.archive)) {
    if (options.storage?.length)
      throw new UsageError('--storage does not apply when restoring from an archive file', { hint: 'drop --storage; the safety backup goes to the first of defaults.storage' });
    const file = path.resolve(options.cwd ?? '.', options.archive);
    return openArchiveFile(file, await createDecryptor(ctx.config, ctx.baseDir), ctx.signal);
  }
  const names = selectStorageNames(ctx.config, options.storage);
  let lastError: unknown;
  let best: { storage: Storage; listing: ArchiveListing } | undefined;
  for (const name of names) {
    const storage = await ctx.storage(name);
    try {
      const listing = await resolveArchive(storage, options.archive, { source: options.source, tenant: options.tenant, signal: ctx.signal });
      if (!best || listing.time > best.listing.time) best = { storage, listing };
      if (options.archive !== 'latest') break;
    } catch (error) {
      lastError = error;
    }
  }
  if (best) return best;
  throw lastError instanceof Error ? lastError : new UsageError(`archive ${options.archive} not found`, { hint: 'check the id with `orgbackup list` (and --storage)' });
}

/** Takes a `pre-restore` archive of what the restore will replace; its id is the rollback. */
async function takeSafetyBackup(source: Source, tenant: Tenant, sidecar: Sidecar, options: RestoreOptions, ctx: Context): Promise<{ id: string; rollback: string } | undefined> {
  const { runSafetyBackup } = await import('../restore/safety-backup.js');
  return runSafetyBackup(source, tenant, sidecar, { only: options.only, force: options.force }, ctx);
}

/** A failing pre-restore hook with onError fail stops the restore before anything is changed (no safety backup either). */
async function hookOrRefuse(hook: HookConfig | undefined, context: HookContext, warnings: string[], ctx: Context): Promise<void> {
  const failed = await runHook(hook, context, ctx.signal);
  if (!failed) return;
  if (hook?.onError === 'continue') {
    warnings.push(`${failed} (onError: continue)`);
    return;
  }
  throw new OrgbackupError(`${failed}; nothing was restored, the target is unchanged`, ExitCode.failed, {
    hint: 'fix the hook (or set its onError to "continue"), then run the restore again',
  });
}
