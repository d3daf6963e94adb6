/** `orgbackup restore <id|latest>`: verify the archive, then put one tenant back. */
import { readSidecar, resolveArchive, type ArchiveListing } from '../archive/catalog.js';
import { archiveEntries } from '../archive/reader.js';
import { verifyArchive } from '../archive/verify.js';
import type { Sidecar } from '../archive/manifest.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, VerificationError, isOrgbackupError, type ExitCodeValue } from '../errors.js';
import { runPreflightGate } from '../preflight/gate.js';
import { createSource } from '../sources/registry.js';
import type { RestoreOptions as SourceRestoreOptions, Source, Tenant } from '../sources/types.js';
import type { TableInfo } from '../archive/manifest.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';

export interface RestoreOptions {
  archive: string;
  source?: string;
  tenant?: string;
  storage?: string[];
  target?: string;
  conflict?: 'replace' | 'skip' | 'fail';
  only?: string[];
  force?: boolean;
  yes?: boolean;
  safetyBackup?: boolean;
  dryRun?: boolean;
  skipPreflight?: boolean;
}

export interface RestoreCommandResult {
  command: 'restore';
  ok: boolean;
  exitCode: ExitCodeValue;
  id: string;
  storage: string;
  tenant: string;
  target: string;
  dryRun: boolean;
  tables: TableInfo[];
  plan?: string[];
  safetyBackup?: { id: string; rollback: string };
}

export async function runRestore(options: RestoreOptions, ctx: Context): Promise<RestoreCommandResult> {
  const { storage, listing } = await findArchive(options, ctx);
  const sidecar = await readSidecar(storage, listing.id, ctx.signal);
  const source = await createSource(ctx.config, listing.ref.source, ctx.baseDir);
  try {
    const tenant: Tenant = { id: sidecar.tenant.id, ...(sidecar.tenant.name ? { name: sidecar.tenant.name } : {}) };
    const sourceOptions: SourceRestoreOptions = {
      target: options.target,
      conflict: options.conflict ?? 'replace',
      only: options.only,
      force: !!options.force,
      dryRun: !!options.dryRun,
    };
    if (!options.dryRun) await confirm(sidecar, options, ctx);
    if (!options.skipPreflight && !options.dryRun) await runPreflightGate(ctx, { for: 'restore', sources: [source.name], storages: [storage.name] });
    const decryptor = await createDecryptor(ctx.config);
    // The whole archive is proven intact before the target is touched.
    const { item } = await verifyArchive(storage, listing, { source, decryptor, signal: ctx.signal });
    if (item.status !== 'ok') {
      throw new VerificationError(`refusing to restore ${listing.id}: ${item.error ?? 'verification failed'}; the target was not touched`, { hint: item.hint ?? 'choose another archive (`orgbackup list`)' });
    }
    const safety = options.safetyBackup === false || options.dryRun || options.target ? undefined : await takeSafetyBackup(source, tenant, sidecar, ctx);
    ctx.log.info(`restoring ${listing.id}${options.target ? ` into ${options.target}` : ''}`, { event: 'restore', id: listing.id });
    const result = await source.restore(tenant, {
      sidecar,
      entries: archiveEntries(storage, sidecar, { decryptor, signal: ctx.signal }),
      options: sourceOptions,
      signal: ctx.signal,
      log: ctx.log,
      tempDir: await ctx.tempDir(),
    }).catch((error: unknown) => {
      if (safety && isOrgbackupError(error)) error.hint = `${error.hint ? `${error.hint}; ` : ''}the safety backup ${safety.id} holds what was there before`;
      throw error;
    });
    return {
      command: 'restore',
      ok: true,
      exitCode: ExitCode.ok,
      id: listing.id,
      storage: storage.name,
      tenant: tenant.id,
      target: result.target,
      dryRun: !!options.dryRun,
      tables: result.tables,
      ...(result.plan ? { plan: result.plan } : {}),
      ...(safety ? { safetyBackup: safety } : {}),
    };
  } finally {
    await source.close();
  }
}

async function findArchive(options: RestoreOptions, ctx: Context): Promise<{ storage: Storage; listing: ArchiveListing }> {
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
  throw lastError instanceof Error ? lastError : new UsageError(`archive ${options.archive} not found`);
}

async function confirm(sidecar: Sidecar, options: RestoreOptions, ctx: Context): Promise<void> {
  if (options.yes) return;
  const where = options.target ?? `${sidecar.source.name}'s own ${sidecar.tenant.mode === 'rows' ? 'rows' : 'data'}`;
  if (!ctx.interactive) {
    throw new UsageError(`restore replaces data (${where}) and needs confirmation: pass --yes when no terminal is attached`);
  }
  const answer = await ctx.ask(`Restore ${sidecar.id} over ${where}?\nType the tenant id (${sidecar.tenant.id}) to confirm: `);
  if (answer.trim() !== sidecar.tenant.id) throw new UsageError('restore cancelled: the answer did not match the tenant id');
}

/** Takes a `pre-restore` archive of what the restore will replace; its id is the rollback. */
async function takeSafetyBackup(source: Source, tenant: Tenant, sidecar: Sidecar, ctx: Context): Promise<{ id: string; rollback: string } | undefined> {
  const { runSafetyBackup } = await import('../restore/safety-backup.js');
  return runSafetyBackup(source, tenant, sidecar, ctx);
}
