/** `orgbackup verify`: proves archives intact (levels 1, 2) and restorable (level 3, --restore-test). */
import { filterOfId, listArchives, newestMadeByCreate, type ArchiveListing, type ListFilter } from '../archive/catalog.js';
import { parseKey, sidecarKey } from '../archive/layout.js';
import { verifyArchive, type VerifyItem } from '../archive/verify.js';
import type { SourceConfig } from '../config/schema.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { createSource } from '../sources/registry.js';
import type { Source } from '../sources/types.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { mapLimit } from '../util/pool.js';
import { nextSamplePart, recordSamplePart } from '../verify/sample-state.js';
import type { Shard } from '../schedule/shard.js';
import { inSubset, parseSample, parseSubset } from '../verify/subset.js';

export interface VerifyOptions {
  ids?: string[];
  latest?: boolean;
  all?: boolean;
  source?: string;
  tenant?: string;
  storage?: string[];
  restoreTest?: boolean;
  scratch?: string;
  /** `I/N`: only the tenants of part I (0..N-1) of N (verify/subset.ts). */
  subset?: string;
  /** `P%`: the next part of a rotation over the tenants, kept in storage (verify/sample-state.ts). */
  sample?: string;
}

/** The part of the tenants a --subset or --sample run checked in one storage. */
export interface VerifiedPart extends Shard {
  storage: string;
}

export interface VerifyResult {
  command: 'verify';
  ok: boolean;
  exitCode: ExitCodeValue;
  archives: VerifyItem[];
  /** With --subset or --sample: which part of the tenants each storage's run covered. */
  parts?: VerifiedPart[];
}

export async function runVerify(options: VerifyOptions, ctx: Context): Promise<VerifyResult> {
  if (options.ids?.length && (options.all || options.latest))
    throw new UsageError('give archive ids, or --latest / --all, not both', { hint: 'drop the ids to verify by --latest or --all, or drop those options' });
  const partOption = parsePartOption(options);
  const storageNames = selectStorageNames(ctx.config, options.storage);
  const targets: { listing: ArchiveListing; storage: string }[] = [];
  const parts: VerifiedPart[] = [];
  for (const name of storageNames) {
    const storage = await ctx.storage(name);
    let selected = await selectArchives(storage, await listArchives(storage, filterFor(options), ctx.signal), options, ctx.signal);
    if (partOption) {
      const part = partOption.fixed ?? (await nextSamplePart(storage, partOption.sampleOf, ctx.log, ctx.signal));
      selected = selected.filter((listing) => inSubset(listing.ref, part));
      parts.push({ storage: name, ...part });
      ctx.log.info(`storage "${name}": checking part ${part.index}/${part.count} of the tenants (${selected.length} archives)`, {
        event: 'verify-part',
        storage: name,
        part: part.index,
        parts: part.count,
      });
    }
    for (const listing of selected) targets.push({ listing, storage: name });
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
  if (partOption && !partOption.fixed) await recordSampleParts(parts, targets, ctx);
  const ok = archives.every((a) => a.status === 'ok');
  return { command: 'verify', ok, exitCode: ok ? ExitCode.ok : ExitCode.verification, archives, ...(partOption ? { parts } : {}) };
}

/** --subset names the part; --sample takes the next one of its rotation in each storage. */
function parsePartOption(options: VerifyOptions): { fixed: Shard; sampleOf?: undefined } | { fixed?: undefined; sampleOf: number } | undefined {
  if (options.subset === undefined && options.sample === undefined) return undefined;
  if (options.subset !== undefined && options.sample !== undefined)
    throw new UsageError('give --subset or --sample, not both', { hint: '--subset i/n checks a part you name, --sample P% the next part of a rotation' });
  if (options.ids?.length) throw new UsageError('--subset and --sample choose among tenants; they do not combine with archive ids', { hint: 'leave the ids out, or the option' });
  return options.subset !== undefined ? { fixed: parseSubset(options.subset) } : { sampleOf: parseSample(options.sample!) };
}

/** After the checks ran (whatever they found): the next --sample run moves on to the next part. */
async function recordSampleParts(parts: readonly VerifiedPart[], targets: readonly { storage: string }[], ctx: Context): Promise<void> {
  for (const part of parts) {
    const archives = targets.filter((t) => t.storage === part.storage).length;
    await recordSamplePart(await ctx.storage(part.storage), part, archives, ctx.log, ctx.now(), ctx.signal);
  }
}

/** Before any archive is read: a --scratch the restore tests cannot use is an error, never ignored. */
async function checkScratchOption(options: VerifyOptions, targets: readonly { listing: ArchiveListing }[], ctx: Context): Promise<void> {
  if (!options.restoreTest) throw new UsageError('--scratch is used only with --restore-test', { hint: 'add --restore-test, or leave --scratch out' });
  const sources = new Map<string, SourceConfig>();
  for (const { listing } of targets) {
    const config = ctx.config.sources[listing.ref.source];
    if (config) sources.set(listing.ref.source, config);
  }
  const { checkScratch } = await import('../sources/scratch-check.js');
  await checkScratch(options.scratch!, sources);
}

function filterFor(options: VerifyOptions): ListFilter {
  if (options.ids?.length === 1) {
    const parsed = parseKey(sidecarKey(options.ids[0]!));
    if (parsed) return filterOfId(parsed.ref);
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
