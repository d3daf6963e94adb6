/** `orgbackup verify`: proves archives intact (levels 1, 2) and restorable (level 3, --restore-test). */
import { filterOfId, listTenantGroups, newestMadeByCreate, type ArchiveListing, type ListFilter } from '../archive/catalog.js';
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
import { mapOrdered } from '../util/pool.js';
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
  /** Level 1 only: sidecar present, stored object's size and sha256 as it records. */
  quick?: boolean;
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
  if (options.quick && options.restoreTest) throw new UsageError('--quick checks level 1 only; --restore-test is level 3', { hint: 'give one of them' });
  for (const id of options.ids ?? []) if (!parseKey(sidecarKey(id))) throw new UsageError(`"${id}" is not an archive id`, { hint: 'ids look like <source>/<tenant>/2026-11-20T02-00-00.000Z' });
  const partOption = parsePartOption(options);
  const storageNames = selectStorageNames(ctx.config, options.storage);
  if (options.scratch !== undefined) await checkScratchOption(options, ctx);
  const run: VerifyRun = { options, ctx, decryptor: await createDecryptor(ctx.config, ctx.baseDir), sources: new Map(), archives: [], failed: 0 };
  const emit = ctx.items?.for('verify') ?? ((item: unknown) => void run.archives.push(item as VerifyItem));
  const parts: VerifiedPart[] = [];
  const byId = await findIds(storageNames, options, ctx);
  ctx.progress.start('archives', byId ? [...byId.values()].reduce((n, found) => n + found.length, 0) : 0);
  try {
    for (const name of storageNames) {
      const storage = await ctx.storage(name);
      const part = partOption && (partOption.fixed ?? (await nextSamplePart(storage, partOption.sampleOf, ctx.log, ctx.signal)));
      if (part) {
        parts.push({ storage: name, ...part });
        ctx.log.info(`storage "${name}": checking part ${part.index}/${part.count} of the tenants`, { event: 'verify-part', storage: name, part: part.index, parts: part.count });
      }
      const targets = byId?.get(name) ?? selectedArchives(storage, options, part, ctx.signal);
      let checked = 0;
      // Level 1 alone reads small objects: several at once; deeper levels one archive at a time.
      for await (const item of mapOrdered(targets, options.quick ? 8 : 1, (listing) => verifyOne(storage, listing, run))) {
        checked++;
        if (item.status !== 'ok') run.failed++;
        emit(item);
        ctx.progress.itemDone();
      }
      // After the checks ran (whatever they found): the next --sample run moves on to the next part.
      if (part && !partOption.fixed) await recordSamplePart(storage, part, checked, ctx.log, ctx.now(), ctx.signal);
    }
  } finally {
    ctx.progress.stop();
    for (const source of run.sources.values()) await (await source.catch(() => undefined))?.close();
  }
  const ok = run.failed === 0;
  return { command: 'verify', ok, exitCode: ok ? ExitCode.ok : ExitCode.verification, archives: run.archives, ...(partOption ? { parts } : {}) };
}

interface VerifyRun {
  options: VerifyOptions;
  ctx: Context;
  decryptor: Awaited<ReturnType<typeof createDecryptor>>;
  /** Opened once per source name, when its first archive is checked (undefined: not configured). */
  sources: Map<string, Promise<Source | undefined>>;
  archives: VerifyItem[];
  failed: number;
}

async function verifyOne(storage: Storage, listing: ArchiveListing, run: VerifyRun): Promise<VerifyItem> {
  const { ctx, options } = run;
  const source = await sourceFor(listing.ref.source, run);
  const { item, sidecar } = await verifyArchive(storage, listing, { source, decryptor: run.decryptor, quick: options.quick, signal: ctx.signal });
  let final = item;
  if (options.restoreTest && item.status === 'ok' && sidecar && source) {
    const { restoreTest } = await import('../restore/restore-test.js');
    final = await restoreTest(item, sidecar, source, { storage, decryptor: run.decryptor, scratch: options.scratch }, ctx);
  }
  if (final.status === 'ok') ctx.log.info(`verified ${final.id} in ${storage.name} (levels ${final.levels.join(',')})`, { event: 'verify', id: final.id, status: 'ok', verifyLevels: final.levels });
  else ctx.log.error(`${final.id} in ${storage.name}: level ${final.failedLevel} failed: ${final.error}`, { event: 'verify', id: final.id, status: 'failed', verifyLevel: final.failedLevel });
  return final;
}

/** Archive ids given: their archives are few, found first, so an id no storage holds is an error before anything is checked. */
async function findIds(storageNames: string[], options: VerifyOptions, ctx: Context): Promise<Map<string, ArchiveListing[]> | undefined> {
  if (!options.ids?.length) return undefined;
  const byStorage = new Map<string, ArchiveListing[]>();
  for (const name of storageNames) {
    const found: ArchiveListing[] = [];
    for await (const listing of selectedArchives(await ctx.storage(name), options, undefined, ctx.signal)) found.push(listing);
    byStorage.set(name, found);
  }
  for (const id of options.ids) {
    if (![...byStorage.values()].some((found) => found.some((l) => l.id === id)))
      throw new UsageError(`archive ${id} does not exist in ${storageNames.map((s) => `"${s}"`).join(', ')}`, { hint: 'see `orgbackup list`' });
  }
  return byStorage;
}

/** --subset names the part; --sample takes the next one of its rotation in each storage. */
function parsePartOption(options: VerifyOptions): { fixed: Shard; sampleOf?: undefined } | { fixed?: undefined; sampleOf: number } | undefined {
  if (options.subset === undefined && options.sample === undefined) return undefined;
  if (options.subset !== undefined && options.sample !== undefined)
    throw new UsageError('give --subset or --sample, not both', { hint: '--subset i/n checks a part you name, --sample P% the next part of a rotation' });
  if (options.ids?.length) throw new UsageError('--subset and --sample choose among tenants; they do not combine with archive ids', { hint: 'leave the ids out, or the option' });
  return options.subset !== undefined ? { fixed: parseSubset(options.subset) } : { sampleOf: parseSample(options.sample!) };
}

/** Before any archive is read: a --scratch the restore tests cannot use is an error, never ignored. */
async function checkScratchOption(options: VerifyOptions, ctx: Context): Promise<void> {
  if (!options.restoreTest) throw new UsageError('--scratch is used only with --restore-test', { hint: 'add --restore-test, or leave --scratch out' });
  // The sources whose archives may be tested: the one named by --source or the ids, else all.
  const named = new Set([...(options.source ? [options.source] : []), ...(options.ids ?? []).map((id) => parseKey(sidecarKey(id))!.ref.source)]);
  const sources = new Map<string, SourceConfig>();
  for (const [name, config] of Object.entries(ctx.config.sources)) if (named.size === 0 || named.has(name)) sources.set(name, config);
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

/**
 * The archives to check in one storage, a tenant at a time as the listing arrives: by id, --all,
 * or (default, --latest) per tenant the newest complete archive made by create or a schedule (a
 * restore's safety backup is verified by id or --all); with a part, only that part's tenants.
 */
async function* selectedArchives(storage: Storage, options: VerifyOptions, part: Shard | undefined, signal: AbortSignal): AsyncGenerator<ArchiveListing> {
  for await (const group of listTenantGroups(storage, filterFor(options), signal)) {
    // An archive without its sidecar is incomplete and, as SPEC.md says, invisible to verify.
    const complete = group.filter((l) => l.complete && (!options.tenant || l.ref.tenant === options.tenant) && (!part || inSubset(l.ref, part)));
    if (options.ids?.length) yield* complete.filter((l) => options.ids!.includes(l.id));
    else if (options.all) yield* complete;
    else if (complete.length > 0) {
      const newest = await newestMadeByCreate(storage, complete, signal);
      if (newest) yield newest;
    }
  }
}

async function sourceFor(name: string, run: VerifyRun): Promise<Source | undefined> {
  let source = run.sources.get(name);
  if (!source) {
    source = run.ctx.config.sources[name] ? createSource(run.ctx.config, name, run.ctx.baseDir) : Promise.resolve(undefined);
    run.sources.set(name, source);
  }
  return source;
}
