/**
 * One archive of one tenant (DESIGN.md "The flow of one backup"): the source dumps into the zip
 * writer, the zip is [encrypted,] hashed and streamed to every storage at once; the sidecar is
 * written last and only where the archive itself was stored completely.
 */
import type { Readable } from 'node:stream';
import { ArchiveWriter } from '../archive/writer.js';
import { HashingStream } from '../archive/hashing.js';
import { archiveId, archiveKey, formatTimestamp, sidecarKey } from '../archive/layout.js';
import { MANIFEST_FORMAT_VERSION, type Sidecar } from '../archive/manifest.js';
import { fanOutEach, type PutOutcome } from '../storage/fanout.js';
import type { RetryEvent, Storage } from '../storage/types.js';
import { openSpool, type ArchiveSpool } from './spool.js';
import type { Source, Tenant } from '../sources/types.js';
import type { Encryptor } from '../crypto/types.js';
import type { HooksConfig } from '../config/schema.js';
import { runHook } from '../hooks/run-hook.js';
import type { Context } from '../context.js';
import { errorMessage } from '../errors.js';
import { pauseAt } from '../util/test-hooks.js';
import { VERSION } from '../version.js';

export interface BackupOptions {
  trigger: string;
  labels: Record<string, string>;
  encryptor?: Encryptor;
  compression: 'zstd' | 'gzip' | 'none';
  /** Called once the source has finished dumping (its connections are free); the archive is then committed. */
  onDumped?(): void;
  /** The source's hooks (create only; a safety backup runs none). */
  hooks?: HooksConfig;
  /** Added to the manifest's `details` (a point-in-time read's `recoveredTo`). */
  details?: Record<string, unknown>;
  /**
   * Once the archive is written, why it must not be committed (over its plan's maxArchiveSize):
   * the stored objects are removed before any sidecar is, and the result is `limited`.
   */
  refuseSize?: (size: number) => string | undefined;
}

export interface StorageOutcome {
  name: string;
  status: 'ok' | 'failed';
  error?: string;
}

export interface TenantBackup {
  source: string;
  tenant: string;
  tenantName?: string;
  id: string;
  /** `limited`: not backed up (or not committed) because of its plan's limits; `reason` says which. */
  status: 'ok' | 'partial' | 'failed' | 'limited';
  size?: number;
  rows?: number;
  durationMs: number;
  storages: StorageOutcome[];
  error?: string;
  hint?: string;
  /** status `limited`: the limits reached, with their figures. */
  reason?: string;
  limits?: string[];
  /** Stored over a limit: under limits.mode "warn" (warnings) or with --ignore-limits (limitsIgnored). */
  warnings?: string[];
  limitsIgnored?: string[];
}

export async function backupTenant(source: Source, tenant: Tenant, storages: readonly Storage[], options: BackupOptions, ctx: Context): Promise<TenantBackup> {
  const started = ctx.now();
  const id = archiveId({ source: source.name, tenant: tenant.id, timestamp: formatTimestamp(started) });
  const base = { source: source.name, tenant: tenant.id, ...(tenant.name ? { tenantName: tenant.name } : {}), id };
  const refused = await runHook(options.hooks?.preCreate, { event: 'preCreate', source: source.name, tenant: tenant.id, archiveId: id }, ctx.signal);
  if (refused) {
    if (options.hooks?.preCreate?.onError !== 'continue') {
      return { ...base, status: 'failed', durationMs: 0, storages: storages.map((s) => ({ name: s.name, status: 'failed' as const })), error: `${refused}; the tenant was not backed up` };
    }
    ctx.log.warn(`${refused} (onError: continue)`, { event: 'hook', id });
  }
  const abort = new AbortController();
  const signal = AbortSignal.any([ctx.signal, abort.signal]);
  const writer = new ArchiveWriter(started);
  const hasher = new HashingStream((bytes) => ctx.progress.addBytes(bytes));
  let stored: Readable = writer.output;
  if (options.encryptor) stored = options.encryptor.encrypt(stored);
  stored.on('error', (error) => hasher.destroy(error)).pipe(hasher);
  // A dump that fails before a storage has attached its own listener (local put opens its temp
  // file first) must not crash the process: the failure is reported through the dump's error.
  hasher.on('error', () => undefined);
  const key = archiveKey(id, !!options.encryptor);
  // Remote storages retry a transient upload failure from a spooled copy of the archive.
  const spool: ArchiveSpool | undefined = storages.some((s) => s.replaysPuts) ? openSpool(await ctx.tempDir()) : undefined;
  const onRetry = (e: RetryEvent) =>
    ctx.log.warn(`storage "${e.storage}": uploading ${key} failed (attempt ${e.attempt} of ${e.attempts}): ${errorMessage(e.error)}; retrying from the spooled archive in ${e.delayMs} ms`, {
      event: 'upload-retry',
      id,
      storage: e.storage,
      attempt: e.attempt,
    });
  const eachUpload = fanOutEach(
    hasher,
    storages,
    key,
    signal,
    (error) => {
      writer.abort(error);
      abort.abort(error);
    },
    spool ? { spool: spool.sink, put: { replay: spool.replay, onRetry } } : {},
  );
  const uploads = Promise.all(eachUpload);
  // Once every upload has settled the spool is not needed any more.
  void uploads.catch(() => undefined).finally(() => spool?.remove());

  try {
    const result = await source.dump(tenant, { writer, signal, log: ctx.log, tempDir: await ctx.tempDir(), compression: options.compression });
    options.onDumped?.();
    const manifest = await writer.finish({
      formatVersion: MANIFEST_FORMAT_VERSION,
      tool: { name: 'orgbackup', version: VERSION },
      id,
      source: {
        name: source.name,
        type: source.type,
        ...(result.serverVersion ? { serverVersion: result.serverVersion } : {}),
        ...(result.database ? { database: result.database } : {}),
        ...(result.locale ? { locale: result.locale } : {}),
      },
      tenant: { id: tenant.id, ...(tenant.name ? { name: tenant.name } : {}), ...(tenant.plan ? { plan: tenant.plan } : {}), mode: source.mode },
      createdAt: started.toISOString(),
      startedAt: started.toISOString(),
      finishedAt: ctx.now().toISOString(),
      trigger: options.trigger,
      dump: result.dump,
      compression: result.compression,
      tables: result.tables,
      ...(result.schemaFingerprint ? { schemaFingerprint: result.schemaFingerprint } : {}),
      ...(options.encryptor ? { encryption: { recipients: options.encryptor.recipients, passphrase: options.encryptor.passphrase } } : {}),
      labels: options.labels,
      ...(result.details || options.details ? { details: { ...result.details, ...options.details } } : {}),
    });
    // Each storage's sidecar is committed as soon as that storage holds the object (the object is
    // whole by then, so its size and digest are known): an object without a sidecar is what
    // prune takes for an abandoned upload once it is an hour old, and a slow storage must not
    // leave a fast one's object in that state for as long as it takes.
    // A signal that lands while the archive is committed (the fsync, the link, the sidecar) may
    // not fail the put that is under way: it is looked at once every commit is done.
    const refusal = options.refuseSize ? await refusedBySize(options.refuseSize, await uploads, hasher, { storages, key, id }) : undefined;
    if (refusal) return { ...base, id: '', status: 'limited', size: hasher.bytes, durationMs: ctx.now().getTime() - started.getTime(), storages: [], reason: refusal, limits: ['maxArchiveSize'] };
    const sidecarOf = (): Sidecar => ({ ...manifest, object: { key, size: hasher.bytes, sha256: hasher.sha256 } });
    const storageResults = await Promise.all(storages.map((storage, i) => eachUpload[i]!.then((outcome) => commitSidecar(storage, outcome, sidecarOf, signal, ctx))));
    ctx.signal.throwIfAborted();
    const okCount = storageResults.filter((s) => s.status === 'ok').length;
    const status = okCount === storageResults.length ? 'ok' : okCount > 0 ? 'partial' : 'failed';
    // Sources without tables (files) have no row count to show.
    const rows = result.tables.length > 0 ? result.tables.reduce((sum, t) => sum + t.rows, 0) : undefined;
    const firstError = storageResults.find((s) => s.error)?.error;
    // The dump may outrun a failing upload (it also feeds the spool): the hint is the upload's own.
    const hint = (await uploads).map((o) => (o.error as { hint?: string } | undefined)?.hint).find(Boolean);
    return {
      ...base,
      status,
      size: hasher.bytes,
      rows,
      durationMs: ctx.now().getTime() - started.getTime(),
      storages: storageResults,
      ...(firstError ? { error: firstError } : {}),
      ...(firstError && hint ? { hint } : {}),
    };
  } catch (error) {
    const reason = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : (error as Error);
    writer.abort(reason);
    abort.abort(reason);
    hasher.destroy(reason);
    const outcomes = await uploads.catch(() => []);
    if (ctx.signal.aborted) {
      await discardArchive(storages, outcomes, key, sidecarKey(id));
      throw ctx.signal.reason;
    }
    const hint = (reason as { hint?: string }).hint;
    return {
      ...base,
      status: 'failed',
      durationMs: ctx.now().getTime() - started.getTime(),
      storages: storages.map((s) => ({ name: s.name, status: 'failed' as const })),
      error: errorMessage(reason),
      ...(hint ? { hint } : {}),
    };
  }
}

/** Waits for every upload (the size is final then); a refused archive's objects are removed, no sidecar was written. */
async function refusedBySize(
  refuse: (size: number) => string | undefined,
  outcomes: readonly PutOutcome[],
  hasher: HashingStream,
  archive: { storages: readonly Storage[]; key: string; id: string },
): Promise<string | undefined> {
  const reason = refuse(hasher.bytes);
  if (reason) await discardArchive(archive.storages, outcomes, archive.key, sidecarKey(archive.id));
  return reason;
}

/**
 * An interrupted tenant leaves nothing (exit 130/143 means "not backed up"): where this run
 * stored the object, its sidecar goes first, then the object, so that no sidecar is ever left
 * without its object. Not under the aborted signal, which would stop the deletes themselves.
 */
export async function discardArchive(storages: readonly Storage[], outcomes: readonly PutOutcome[], key: string, sidecar: string): Promise<void> {
  await Promise.all(
    storages
      .filter((storage) => outcomes.some((o) => o.storage === storage.name && o.ok))
      .map(async (storage) => {
        await storage.delete(sidecar).catch(() => undefined);
        await storage.delete(key).catch(() => undefined);
      }),
  );
}

/**
 * The sidecar commits the archive; written only where the archive object itself was stored, and
 * not once the run is interrupted (the caller then discards what was stored).
 */
export async function commitSidecar(storage: Storage, outcome: PutOutcome, sidecarOf: () => Sidecar, signal: AbortSignal, ctx: Context): Promise<StorageOutcome> {
  if (!outcome.ok) return { name: storage.name, status: 'failed', error: errorMessage(outcome.error ?? 'not written') };
  if (ctx.signal.aborted) return { name: storage.name, status: 'failed', error: 'interrupted' };
  const sidecar = sidecarOf();
  try {
    // The object is stored and its sidecar not yet: where a kill leaves an incomplete archive on any storage.
    await pauseAt('commit-sidecar', sidecarKey(sidecar.id), signal, storage.name);
    await storage.put(sidecarKey(sidecar.id), Buffer.from(JSON.stringify(sidecar, null, 2) + '\n'), { signal });
    ctx.log.debug(`committed ${sidecar.id} on ${storage.name}`, { event: 'sidecar-committed', id: sidecar.id, storage: storage.name });
    return { name: storage.name, status: 'ok' };
  } catch (error) {
    await storage.delete(sidecar.object.key).catch(() => undefined);
    return { name: storage.name, status: 'failed', error: errorMessage(error) };
  }
}
