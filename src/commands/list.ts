/**
 * `orgbackup list`: complete archives, a tenant at a time and newest first within it, from key names
 * (sidecars only for --long/--json details), written out as the listing arrives (Context.items).
 */
import { listTenantGroups, newestMadeByCreate, readSidecar, type ArchiveListing } from '../archive/catalog.js';
import { holdInfo, readHold, type HoldInfo } from '../archive/hold.js';
import type { Context } from '../context.js';
import { ExitCode, UsageError, errorMessage, isOrgbackupError, type ExitCodeValue } from '../errors.js';
import { createSource } from '../sources/registry.js';
import { usageRows, type TenantUsageRow } from './list-usage.js';
import { selectStorageNames } from '../storage/registry.js';
import { parseDuration } from '../util/duration.js';
import { mapLimit, mapOrdered } from '../util/pool.js';

export interface ListOptions {
  source?: string;
  tenant?: string;
  storage?: string[];
  limit?: number;
  long?: boolean;
  stale?: string;
  /** --usage: per tenant and storage, archives and bytes against the plan's limits. */
  usage?: boolean;
  /** --json: trigger and labels from each sidecar even without --long. */
  json?: boolean;
}

export interface ListedArchive {
  id: string;
  source: string;
  tenant: string;
  time: string;
  storage: string;
  size?: number;
  encrypted: boolean;
  trigger?: string;
  tenantName?: string;
  rows?: number;
  labels?: Record<string, string>;
  /** Rows archives of a source with tenants.categories: the categories the archive holds in full. */
  categories?: string[];
  /** Under legal hold (from the listing); `hold` has the details with --long / --json. */
  held?: boolean;
  hold?: HoldInfo;
}

export interface StaleTenant {
  source: string;
  tenant: string;
  storage: string;
  /** The newest complete archive made by create or a schedule; absent when the tenant has none in this storage. */
  newest?: string;
  ageHours?: number;
  /** The exact age, so a young archive reads 45m or 30s rather than 0h. */
  ageSeconds?: number;
}

/** A source whose tenants could not be discovered, so tenants without any archive may be missing. */
export interface UncheckedSource {
  source: string;
  error: string;
}

export interface ListResult {
  command: 'list';
  ok: boolean;
  exitCode: ExitCodeValue;
  archives: ListedArchive[];
  stale?: StaleTenant[];
  usage?: TenantUsageRow[];
  unchecked?: UncheckedSource[];
}

export async function runList(options: ListOptions, ctx: Context): Promise<ListResult> {
  options = { ...options, source: options.source ?? soleSource(options.tenant, ctx) };
  const storageNames = selectStorageNames(ctx.config, options.storage);
  if (options.stale && options.usage) throw new UsageError('--stale and --usage are two reports: give one of them', { hint: 'run list --stale and list --usage separately' });
  const scope = { storages: storageNames, ...options };
  if (options.stale) return staleReport(completeGroups(scope, ctx), options.stale, scope, ctx);
  if (options.usage) {
    const all: ArchiveListing[] = [];
    for await (const group of completeGroups(scope, ctx)) all.push(...group);
    const { usage, unchecked } = await usageRows(all, { storages: storageNames, ...(options.source ? { source: options.source } : {}), ...(options.tenant ? { tenant: options.tenant } : {}) }, ctx);
    return { command: 'list', ok: true, exitCode: ExitCode.ok, archives: [], usage, ...(unchecked.length > 0 ? { unchecked } : {}) };
  }
  const archives: ListedArchive[] = [];
  const emit = ctx.items?.for('list') ?? ((item: unknown) => void archives.push(item as ListedArchive));
  const listings = options.limit ? newestOf(completeGroups(scope, ctx), options.limit) : completeGroups(scope, ctx);
  // Sidecars (--long, --json) are read 8 at a time across tenants; items leave in listing order.
  for await (const items of mapOrdered(listings, 2, (group) => mapLimit(group, 8, (listing) => listedWithDetails(listing, options, ctx)))) for (const item of items) emit(item);
  return { command: 'list', ok: true, exitCode: ExitCode.ok, archives };
}

/**
 * The complete archives of the scope, a tenant at a time (newest first), storage after storage:
 * the order `list` prints them in, and never more than one tenant's listing in memory.
 */
async function* completeGroups(scope: ListOptions & { storages: string[] }, ctx: Context): AsyncGenerator<ArchiveListing[]> {
  for (const name of scope.storages) {
    const storage = await ctx.storage(name);
    // Without --source (several sources), --tenant selects that tenant in every source that has it.
    const filter = scope.source ? { source: scope.source, tenant: scope.tenant } : {};
    for await (const group of listTenantGroups(storage, filter, ctx.signal)) {
      const complete = group.filter((a) => a.complete && a.archiveKey && (!scope.tenant || a.ref.tenant === scope.tenant));
      if (complete.length > 0) yield complete;
    }
  }
}

/** --limit N: the N newest archives of all, newest first, holding no more than 2N on the way. */
async function* newestOf(groups: AsyncIterable<ArchiveListing[]>, limit: number): AsyncGenerator<ArchiveListing[]> {
  const order = (a: ArchiveListing, b: ArchiveListing) => b.time.getTime() - a.time.getTime() || a.storage.localeCompare(b.storage);
  let kept: ArchiveListing[] = [];
  for await (const group of groups) {
    kept.push(...group);
    if (kept.length > 2 * limit) kept = kept.sort(order).slice(0, limit);
  }
  yield kept.sort(order).slice(0, limit);
}

async function listedWithDetails(listing: ArchiveListing, options: ListOptions, ctx: Context): Promise<ListedArchive> {
  const base = toListed(listing);
  if (!options.long && !options.json) return base;
  const item = listing.hold ? { ...base, hold: holdInfo(await readHold(await ctx.storage(listing.storage), listing.id, listing.hold.size, ctx.signal)) } : base;
  // One unreadable or doctored sidecar must not hide every other archive: it is listed from its
  // key alone, with a warning (verify says what is wrong with it).
  const sidecar = await readSidecar(await ctx.storage(listing.storage), listing.id, ctx.signal).catch((error: unknown) => {
    if (ctx.signal.aborted) throw error;
    ctx.log.warn(`${listing.id} in storage "${listing.storage}": ${errorMessage(error)}; listed without its sidecar's details (run \`orgbackup verify ${listing.id}\`)`);
    return undefined;
  });
  if (!sidecar) return item;
  if (!options.long) return { ...item, trigger: sidecar.trigger, labels: sidecar.labels };
  return {
    ...item,
    trigger: sidecar.trigger,
    ...(sidecar.tenant.name ? { tenantName: sidecar.tenant.name } : {}),
    rows: sidecar.tables.reduce((n, t) => n + t.rows, 0),
    labels: sidecar.labels,
    ...categoriesOf(sidecar.details),
  };
}

/** With one source configured, --tenant needs no --source (SPEC.md "--tenant takes tenant ids"). */
export function soleSource(tenant: string | undefined, ctx: Context): string | undefined {
  const names = Object.keys(ctx.config.sources);
  return tenant && names.length === 1 ? names[0] : undefined;
}

function toListed(listing: ArchiveListing): ListedArchive {
  return {
    id: listing.id,
    source: listing.ref.source,
    tenant: listing.ref.tenant,
    time: listing.time.toISOString(),
    storage: listing.storage,
    ...(listing.size !== undefined ? { size: listing.size } : {}),
    encrypted: listing.encrypted,
    ...(listing.hold ? { held: true } : {}),
  };
}

/**
 * Tenants whose newest complete archive (per storage) is older than the threshold, and tenants the
 * sources have now that have no archive at all: exit 1 when any, or when a source could not be asked.
 * Each tenant's newest archive is judged as it arrives; what stays per tenant is its stale row (when
 * stale), one byte per discovered tenant and storage, and with --json its newest archive (issue 19:
 * the newest listing of every tenant, held whole, was most of 300 MB at 100,000 tenants).
 */
async function staleReport(groups: AsyncIterable<ArchiveListing[]>, threshold: string, scope: ListOptions & { storages: string[] }, ctx: Context): Promise<ListResult> {
  const maxAge = parseDuration(threshold, '--stale');
  // Every archive is older than 0: such a check alerts for ever, which no operator means.
  if (maxAge === 0) throw new UsageError(`--stale: "${threshold}" would call every tenant stale`, { hint: 'give the age a newest backup may reach, e.g. 26h for a daily schedule' });
  const now = ctx.now().getTime();
  const { tenants, unchecked } = await discoverForStale(scope, ctx);
  // Discovered tenants in discovery order, and per storage which of them have an archive there.
  const index = new Map<string, number>();
  for (const { source, tenant } of tenants) if (!index.has(`${source}\0${tenant}`)) index.set(`${source}\0${tenant}`, index.size);
  tenants.length = 0;
  const found = scope.storages.map(() => new Uint8Array(index.size));
  const stale: StaleTenant[] = [];
  // Under the CLI, text output writes each stale row as it is found (Context.items); not when a
  // source is unchecked, whose warning lines come before the table.
  const write = unchecked.length === 0 ? ctx.items?.for('list --stale') : undefined;
  let staleCount = 0;
  const report = (row: StaleTenant) => {
    staleCount++;
    if (write) write(row);
    else stale.push(row);
  };
  const archives: ListedArchive[] = [];
  for await (const listing of newestPerTenant(groups, ctx)) {
    const at = index.get(`${listing.ref.source}\0${listing.ref.tenant}`);
    if (at !== undefined) found[scope.storages.indexOf(listing.storage)]![at] = 1;
    if (scope.json) archives.push(toListed(listing));
    const age = now - listing.time.getTime();
    if (age > maxAge) {
      report({ source: listing.ref.source, tenant: listing.ref.tenant, storage: listing.storage, newest: listing.id, ageHours: Math.round(age / 36e5), ageSeconds: Math.floor(age / 1000) });
    }
  }
  for (const [key, at] of index) {
    const [source, tenant] = key.split('\0') as [string, string];
    scope.storages.forEach((storage, i) => {
      if (!found[i]![at]) report({ source, tenant, storage });
    });
  }
  const exitCode = staleCount > 0 || unchecked.length > 0 ? ExitCode.failed : ExitCode.ok;
  return { command: 'list', ok: exitCode === ExitCode.ok, exitCode, archives, stale, ...(unchecked.length > 0 ? { unchecked } : {}) };
}

/**
 * Per storage and tenant, the newest archive made by create or a schedule, as the listing arrives:
 * a restore's safety backup is no backup the schedule made, and must not make a tenant look fresh.
 * Reads about one sidecar per tenant and storage (more where safety backups are newer), 8 tenants
 * at a time. A tenant is one directory of a storage, so it comes once per storage.
 */
async function* newestPerTenant(groups: AsyncIterable<ArchiveListing[]> /* each newest first */, ctx: Context): AsyncGenerator<ArchiveListing> {
  const found = mapOrdered(groups, 8, async (listings) => newestMadeByCreate(await ctx.storage(listings[0]!.storage), listings, ctx.signal));
  for await (const listing of found) if (listing) yield listing;
}

/** The tenants the selected sources have now: one discovery per source, all at once, sources closed after. */
async function discoverForStale(scope: ListOptions, ctx: Context): Promise<{ tenants: { source: string; tenant: string }[]; unchecked: UncheckedSource[] }> {
  const names = scope.source ? [scope.source] : Object.keys(ctx.config.sources);
  const tenants: { source: string; tenant: string }[] = [];
  const unchecked: UncheckedSource[] = [];
  await Promise.all(
    names.map(async (name) => {
      try {
        const source = await createSource(ctx.config, name, ctx.baseDir);
        try {
          for (const t of await source.discoverTenants(ctx.signal)) {
            // A row naming no tenant has no archives to be stale: said, not listed as "never".
            if (t.idProblem) ctx.log.warn(`list --stale: source ${name}: ${t.idProblem}; that row is not checked`, { source: name });
            else if (!scope.tenant || t.id === scope.tenant) tenants.push({ source: name, tenant: t.id });
          }
        } finally {
          await source.close();
        }
      } catch (error) {
        if (ctx.signal.aborted || error instanceof UsageError) throw error;
        // The source's own hint says what to do (a path, a permission, a server); the table's line has room only for the error.
        const hint = isOrgbackupError(error) && error.hint ? `\nhint: ${error.hint}` : '';
        ctx.log.warn(`list --stale: cannot discover the tenants of source ${name}: ${errorMessage(error)}${hint}`, { source: name });
        unchecked.push({ source: name, error: errorMessage(error) });
      }
    }),
  );
  return { tenants, unchecked };
}

function categoriesOf(details: Record<string, unknown> | undefined): { categories?: string[] } {
  const recorded = details?.categories;
  return recorded && typeof recorded === 'object' ? { categories: Object.keys(recorded).sort() } : {};
}
