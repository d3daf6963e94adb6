/**
 * `orgbackup import <FILE> [--storage N...] [--dry-run]`: stores an archive file made elsewhere
 * under its own id. In this order, so that nothing is stored unless all of it holds: the file is
 * opened as an archive (not one, or damaged: exit 5; encrypted without a key: exit 2), its source
 * must be configured with the same type and mode (exit 2), it is verified fully (levels 1 and 2,
 * as `verify` does: every entry's sha256, SHA256SUMS, manifest, the dump tool's read), then each
 * storage gets the object and, last, its sidecar (create's commit code). A storage that already
 * holds the id keeps what it has: reported `identical` when it is the same object, refused when not.
 */
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { commitSidecar, discardArchive, type StorageOutcome } from '../backup/backup-tenant.js';
import { readSidecar } from '../archive/catalog.js';
import { objectMatchesSidecar } from '../archive/reader.js';
import { checkSourceConfigured, checkSourceMatches } from '../archive/config-match.js';
import { openArchiveFile, type ArchiveFile } from '../archive/file-archive.js';
import { HashingStream } from '../archive/hashing.js';
import { sidecarKey } from '../archive/layout.js';
import type { Sidecar } from '../archive/manifest.js';
import { verifyArchive } from '../archive/verify.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import type { Decryptor } from '../crypto/types.js';
import { ExitCode, VerificationError, errorMessage, type ExitCodeValue } from '../errors.js';
import { createSource } from '../sources/registry.js';
import { fanOutEach } from '../storage/fanout.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';

export interface ImportOptions {
  file: string;
  storage?: string[];
  dryRun?: boolean;
  cwd: string;
}

export interface ImportStorageOutcome {
  name: string;
  /** stored now; identical: it already held this very object; would-store: dry run; failed: see error. */
  status: 'stored' | 'identical' | 'would-store' | 'failed';
  error?: string;
  hint?: string;
}

export interface ImportResult {
  command: 'import';
  ok: boolean;
  exitCode: ExitCodeValue;
  dryRun: boolean;
  file: string;
  id: string;
  source: string;
  tenant: string;
  encrypted: boolean;
  size: number;
  sha256: string;
  /** Verify levels passed (1: size and sha256; 2: decrypted, entries, manifest, the dump read). */
  levels: number[];
  storages: ImportStorageOutcome[];
}

export async function runImport(options: ImportOptions, ctx: Context): Promise<ImportResult> {
  const file = path.resolve(options.cwd, options.file);
  const storageNames = selectStorageNames(ctx.config, options.storage);
  const decryptor = await createDecryptor(ctx.config, ctx.baseDir);
  const archive = await openArchiveFile(file, decryptor, ctx.signal);
  const { sidecar } = archive;
  const what = `archive ${sidecar.id} (${file})`;
  checkSourceConfigured(ctx.config, sidecar, what);
  const levels = await verifyFile(archive, decryptor, what, ctx);
  const storages = await Promise.all(storageNames.map((name) => ctx.storage(name)));
  const outcomes = new Map<string, ImportStorageOutcome>();
  const toCommit: Storage[] = [];
  for (const storage of storages) {
    const existing = await alreadyThere(storage, sidecar, ctx);
    if (existing === 'incomplete-same') toCommit.push(storage);
    else if (existing) outcomes.set(storage.name, existing);
  }
  const toStore = storages.filter((s) => !outcomes.has(s.name) && !toCommit.includes(s));
  if (options.dryRun) for (const s of [...toCommit, ...toStore]) outcomes.set(s.name, { name: s.name, status: 'would-store' });
  else {
    for (const storage of toCommit) outcomes.set(storage.name, imported(await commitSidecar(storage, { storage: storage.name, ok: true }, () => sidecar, ctx.signal, ctx)));
    for (const outcome of await storeIn(toStore, archive, ctx)) outcomes.set(outcome.name, outcome);
  }
  const results = storageNames.map((name) => outcomes.get(name)!);
  for (const r of results) logOutcome(r, sidecar.id, ctx);
  const failed = results.filter((r) => r.status === 'failed').length;
  const exitCode = failed === 0 ? ExitCode.ok : failed === results.length ? ExitCode.failed : ExitCode.partial;
  return {
    command: 'import',
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun: !!options.dryRun,
    file,
    id: sidecar.id,
    source: archive.listing.ref.source,
    tenant: archive.listing.ref.tenant,
    encrypted: !!sidecar.encryption,
    size: sidecar.object.size,
    sha256: sidecar.object.sha256,
    levels,
    storages: results,
  };
}

/** Levels 1 and 2 as `verify` runs them, with the source's own reader of its dumps. */
async function verifyFile(archive: ArchiveFile, decryptor: Decryptor | undefined, what: string, ctx: Context): Promise<number[]> {
  const source = await createSource(ctx.config, archive.sidecar.source.name, ctx.baseDir);
  try {
    checkSourceMatches(source, archive.sidecar, what);
    const { item } = await verifyArchive(archive.storage, archive.listing, { source, decryptor, signal: ctx.signal });
    if (item.status !== 'ok') {
      throw new VerificationError(`${what} failed verification (level ${item.failedLevel ?? 2}): ${item.error ?? 'damaged'}; nothing was stored`, {
        hint: item.hint ?? 'the file is damaged; use another copy of the archive',
      });
    }
    return item.levels;
  } finally {
    await source.close();
  }
}

/** The id is taken in this storage: the same object (a repeated import) or another one (refused). */
async function alreadyThere(storage: Storage, sidecar: Sidecar, ctx: Context): Promise<ImportStorageOutcome | 'incomplete-same' | undefined> {
  const base = { name: storage.name };
  if (await storage.exists(sidecarKey(sidecar.id), { signal: ctx.signal })) {
    const theirs = await readSidecar(storage, sidecar.id, ctx.signal).catch((error: unknown) => error as Error);
    const same = !(theirs instanceof Error) && theirs.object.key === sidecar.object.key && theirs.object.size === sidecar.object.size && theirs.object.sha256 === sidecar.object.sha256;
    if (same) return { ...base, status: 'identical' };
    const why =
      theirs instanceof Error ? `whose sidecar cannot be read (${errorMessage(theirs)})` : `that is not this file (${theirs.object.size} bytes, sha256 ${theirs.object.sha256.slice(0, 12)}…)`;
    return {
      ...base,
      status: 'failed',
      error: `storage "${storage.name}" already holds an archive ${sidecar.id} ${why}; archives are never overwritten, nothing was stored there`,
      hint: 'compare the two (`orgbackup get <id>` and sha256sum); if the stored one is to go, `orgbackup delete <id>` it first',
    };
  }
  if (await storage.exists(sidecar.object.key, { signal: ctx.signal })) {
    // An import killed before its sidecar: the same bytes get their sidecar now, other bytes are left alone.
    if (await objectMatchesSidecar(storage, sidecar, ctx.signal).catch(() => false)) return 'incomplete-same';
    return {
      ...base,
      status: 'failed',
      error: `storage "${storage.name}" holds an incomplete archive ${sidecar.id} (an object without its sidecar, from an interrupted upload) that is not this file; nothing was stored there`,
      hint: '`orgbackup prune` removes incomplete archives an hour old; import again after that',
    };
  }
  return undefined;
}

/**
 * The file is streamed to every storage at once (create's fan-out); the bytes read now must be
 * the bytes verified, or the objects are removed again. Each sidecar is written as soon as its
 * storage holds the object.
 */
async function storeIn(storages: Storage[], archive: ArchiveFile, ctx: Context): Promise<ImportStorageOutcome[]> {
  if (storages.length === 0) return [];
  const { sidecar } = archive;
  const abort = new AbortController();
  const signal = AbortSignal.any([ctx.signal, abort.signal]);
  const hasher = new HashingStream((bytes) => ctx.progress.addBytes(bytes));
  createReadStream(archive.path)
    .on('error', (error) => hasher.destroy(error))
    .pipe(hasher);
  hasher.on('error', () => undefined);
  ctx.progress.start('upload', 1);
  const eachUpload = fanOutEach(hasher, storages, sidecar.object.key, signal, (error) => abort.abort(error));
  const unchanged = () => hasher.bytes === sidecar.object.size && hasher.sha256 === sidecar.object.sha256;
  const outcomes = await Promise.all(
    storages.map((storage, i) =>
      eachUpload[i]!.then(async (outcome): Promise<StorageOutcome> => {
        if (outcome.ok && !unchanged()) {
          await storage.delete(sidecar.object.key).catch(() => undefined);
          return { name: storage.name, status: 'failed', error: `${archive.path} changed while it was imported (its bytes no longer match what was verified); nothing was stored` };
        }
        return commitSidecar(storage, outcome, () => sidecar, signal, ctx);
      }),
    ),
  );
  ctx.progress.stop();
  if (ctx.signal.aborted) {
    await discardArchive(storages, await Promise.all(eachUpload), sidecar.object.key, sidecarKey(sidecar.id));
    throw ctx.signal.reason;
  }
  return outcomes.map(imported);
}

function imported(o: StorageOutcome): ImportStorageOutcome {
  return o.status === 'ok' ? { name: o.name, status: 'stored' } : { name: o.name, status: 'failed', ...(o.error ? { error: o.error } : {}) };
}

function logOutcome(outcome: ImportStorageOutcome, id: string, ctx: Context): void {
  const fields = { event: 'import', id, storage: outcome.name, status: outcome.status };
  if (outcome.status === 'failed') ctx.log.error(outcome.error ?? `import of ${id} into ${outcome.name} failed`, fields);
  else if (outcome.status === 'identical') ctx.log.info(`storage "${outcome.name}" already holds ${id}, identical to the file; nothing to store`, fields);
  else ctx.log.info(`${outcome.status === 'stored' ? 'imported' : 'would import'} ${id} into storage "${outcome.name}"`, fields);
}
