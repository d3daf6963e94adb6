/** `orgbackup verify`: proves archives intact (levels 1, 2) and restorable (level 3, --restore-test). */
import { listArchives, newestMadeByCreate, type ArchiveListing } from '../archive/catalog.js';
import { parseKey, sidecarKey } from '../archive/layout.js';
import { verifyArchive, type VerifyItem } from '../archive/verify.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { createSource } from '../sources/registry.js';
import type { Source } from '../sources/types.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { mapLimit } from '../util/pool.js';

export interface VerifyOptions {
  ids?: string[];
  latest?: boolean;
  all?: boolean;
  source?: string;
  tenant?: string;
  storage?: string[];
  restoreTest?: boolean;
  scratch?: string;
}

export interface VerifyResult {
  command: 'verify';
  ok: boolean;
  exitCode: ExitCodeValue;
  archives: VerifyItem[];
}

export async function runVerify(options: VerifyOptions, ctx: Context): Promise<VerifyResult> {
  if (options.ids?.length && (options.all || options.latest)) throw new UsageError('give archive ids, or --latest / --all, not both');
  const storageNames = selectStorageNames(ctx.config, options.storage);
  const targets: { listing: ArchiveListing; storage: string }[] = [];
  for (const name of storageNames) {
    const storage = await ctx.storage(name);
    for (const listing of await selectArchives(storage, await listArchives(storage, filterFor(options), ctx.signal), options, ctx.signal)) targets.push({ listing, storage: name });
  }
  for (const id of options.ids ?? []) {
    if (!targets.some((t) => t.listing.id === id)) throw new UsageError(`archive ${id} does not exist in ${storageNames.map((s) => `"${s}"`).join(', ')}`, { hint: 'see `orgbackup list`' });
  }
  if (options.scratch !== undefined) await checkScratchOption(options, targets, ctx);
  const decryptor = await createDecryptor(ctx.config, ctx.baseDir);
  const sources = new Map<string, Source | undefined>();
  const archives: VerifyItem[] = [];
  ctx.progress.start('archives', targets.length);
  for (const { listing, storage } of targets) {
    const source = await sourceFor(listing.ref.source, sources, ctx);
    const { item, sidecar } = await verifyArchive(await ctx.storage(storage), listing, { source, decryptor, signal: ctx.signal });
    let final = item;
    if (options.restoreTest && item.status === 'ok' && sidecar && source) {
      const { restoreTest } = await import('../restore/restore-test.js');
      final = await restoreTest(item, sidecar, source, { storage: await ctx.storage(storage), decryptor, scratch: options.scratch }, ctx);
    }
    archives.push(final);
    ctx.progress.itemDone();
    if (final.status === 'ok') ctx.log.info(`verified ${final.id} in ${storage} (levels ${final.levels.join(',')})`, { event: 'verify', id: final.id, status: 'ok', verifyLevels: final.levels });
    else ctx.log.error(`${final.id} in ${storage}: level ${final.failedLevel} failed: ${final.error}`, { event: 'verify', id: final.id, status: 'failed', verifyLevel: final.failedLevel });
  }
  ctx.progress.stop();
  for (const source of sources.values()) await source?.close();
  const ok = archives.every((a) => a.status === 'ok');
  return { command: 'verify', ok, exitCode: ok ? ExitCode.ok : ExitCode.verification, archives };
}

/** Before any archive is read: a --scratch the restore tests cannot use is an error, never ignored. */
async function checkScratchOption(options: VerifyOptions, targets: readonly { listing: ArchiveListing }[], ctx: Context): Promise<void> {
  if (!options.restoreTest) throw new UsageError('--scratch is used only with --restore-test', { hint: 'add --restore-test, or leave --scratch out' });
  const types = new Map<string, string>();
  for (const { listing } of targets) {
    const type = ctx.config.sources[listing.ref.source]?.type;
    if (type) types.set(listing.ref.source, type);
  }
  const { checkScratch } = await import('../restore/scratch/check.js');
  await checkScratch(options.scratch!, types);
}

function filterFor(options: VerifyOptions): { source?: string; tenant?: string } {
  if (options.ids?.length === 1) {
    const parsed = parseKey(sidecarKey(options.ids[0]!));
    if (parsed) return { source: parsed.ref.source, tenant: parsed.ref.tenant };
  }
  // Without --source, --tenant is applied after listing: that tenant in every source that has it.
  return options.source ? { source: options.source, tenant: options.tenant } : {};
}

async function selectArchives(storage: Storage, listings: ArchiveListing[], options: VerifyOptions, signal: AbortSignal): Promise<ArchiveListing[]> {
  const complete = listings.filter((l) => l.complete && (!options.tenant || l.ref.tenant === options.tenant));
  if (options.ids?.length) {
    for (const id of options.ids) if (!parseKey(sidecarKey(id))) throw new UsageError(`"${id}" is not an archive id`, { hint: 'ids look like <source>/<tenant>/2026-11-20T02-00-00.000Z' });
    // An archive without its sidecar is incomplete and, as SPEC.md says, invisible to verify.
    return complete.filter((l) => options.ids!.includes(l.id));
  }
  if (options.all) return complete;
  // Default and --latest: per (source, tenant), the newest complete archive made by create or a
  // schedule, as `latest` means everywhere; a restore's safety backup is verified by id or --all.
  const byTenant = new Map<string, ArchiveListing[]>();
  for (const listing of complete) {
    const key = `${listing.ref.source}\0${listing.ref.tenant}`;
    byTenant.set(key, [...(byTenant.get(key) ?? []), listing]);
  }
  const newest = await mapLimit([...byTenant.values()], 8, (group) => newestMadeByCreate(storage, group, signal));
  return newest.filter((l): l is ArchiveListing => l !== undefined);
}

async function sourceFor(name: string, cache: Map<string, Source | undefined>, ctx: Context): Promise<Source | undefined> {
  if (!cache.has(name)) cache.set(name, ctx.config.sources[name] ? await createSource(ctx.config, name, ctx.baseDir) : undefined);
  return cache.get(name);
}
