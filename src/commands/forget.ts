/**
 * `orgbackup forget --source S --tenant T --all`: the right to erasure. Removes every archive of
 * one tenant, complete or not, safety backups and the newest included, from every configured
 * storage, under each storage's lock, and returns a receipt of what was removed (ids, storages,
 * bytes). It works from the storage keys alone, so a tenant its source no longer returns (the
 * usual case: the customer left) is forgotten the same way. When the tenant has its own age key
 * (encryption.tenantRecipients), the receipt names it: destroying its identity makes any copy
 * that escaped (an offline backup of the storage) unreadable too.
 *
 * An archive under legal hold is not erased (a legal hold outranks erasure, GDPR art. 17(3)(e)):
 * it stays, the receipt lists it as `held` with its hold, and the exit status says the erasure is
 * not complete (3 when others were removed, 1 when none was).
 */
import { listArchives, type ArchiveListing } from '../archive/catalog.js';
import { holdInfo, readHold, type HoldInfo } from '../archive/hold.js';
import { encodeTenant } from '../archive/layout.js';
import { removeArchive } from '../archive/removal.js';
import type { Context } from '../context.js';
import { ExitCode, UsageError, errorMessage, exitCodeForItems, type ExitCodeValue } from '../errors.js';
import { selectStorageNames } from '../storage/registry.js';
import { assertCanConfirmRemoval, confirmRemoval, lockStorages, releaseAll } from './removal-common.js';

export interface ForgetOptions {
  source?: string;
  tenant?: string;
  all?: boolean;
  storage?: string[];
  yes?: boolean;
  dryRun?: boolean;
}

export interface ForgottenArchive {
  id: string;
  storage: string;
  /** held: left in place, under legal hold (`hold` says whose). */
  status: 'removed' | 'would-remove' | 'failed' | 'held';
  complete: boolean;
  bytes: number;
  error?: string;
  hold?: HoldInfo;
}

export interface ForgetResult {
  command: 'forget';
  ok: boolean;
  exitCode: ExitCodeValue;
  dryRun: boolean;
  source: string;
  tenant: string;
  storages: string[];
  archives: ForgottenArchive[];
  summary: { removed: number; failed: number; bytes: number; held: number };
  /** The tenant's own age recipients (public keys), whose identities are to be destroyed. */
  tenantKey?: { configKey: string; recipients: string[] };
  finishedAt: string;
}

export async function runForget(options: ForgetOptions, ctx: Context): Promise<ForgetResult> {
  const { source, tenant } = checkOptions(options, ctx);
  assertCanConfirmRemoval(`forgetting tenant ${tenant} of source ${source}`, options, ctx);
  const names = options.storage?.length ? selectStorageNames(ctx.config, options.storage) : Object.keys(ctx.config.storage);
  const storages = await Promise.all(names.map((name) => ctx.storage(name)));
  const dryRun = !!options.dryRun;
  const leases = dryRun ? [] : await lockStorages(storages, 'forget', ctx);
  try {
    const signal = AbortSignal.any([ctx.signal, ...leases.map((l) => l.signal)]);
    const found: { storage: (typeof storages)[number]; listing: ArchiveListing }[] = [];
    for (const storage of storages) for (const listing of await listArchives(storage, { source, tenant }, signal)) found.push({ storage, listing });
    const base = { source, tenant, storages: names, ...tenantKeyOf(source, tenant, ctx) };
    const held: ForgottenArchive[] = [];
    for (const { storage, listing } of found.filter((f) => f.listing.hold)) {
      const hold = holdInfo(await readHold(storage, listing.id, listing.hold!.size, signal));
      held.push({ ...entry(storage.name, listing, 'held'), hold, error: `under legal hold${hold.reason ? `: ${JSON.stringify(hold.reason)}` : ' (reason unreadable)'}; release it first` });
    }
    const erasable = found.filter((f) => !f.listing.hold);
    if (dryRun) return finish(base, [...erasable.map(({ storage, listing }) => entry(storage.name, listing, 'would-remove')), ...held], true, ctx);
    if (erasable.length > 0)
      await confirmRemoval(
        `Erase all ${erasable.length} archive(s) of tenant ${tenant} of source ${source} from ${names.join(', ')}${held.length ? ` (${held.length} under legal hold stay)` : ''}`,
        tenant,
        options,
        ctx,
      );
    const archives: ForgottenArchive[] = [...held];
    for (const kept of held) ctx.log.warn(`forget: ${kept.id} in ${kept.storage} is kept: ${kept.error ?? 'under legal hold'}`, { event: 'forget-held', archive: kept.id, storage: kept.storage });
    for (const { storage, listing } of erasable) {
      try {
        await removeArchive(storage, listing, signal);
        archives.push(entry(storage.name, listing, 'removed'));
      } catch (error) {
        if (signal.aborted) throw ctx.signal.aborted ? ctx.signal.reason : error;
        archives.push({ ...entry(storage.name, listing, 'failed'), error: errorMessage(error) });
      }
    }
    ctx.log.info(`forgot tenant ${tenant} of source ${source}: ${archives.filter((a) => a.status === 'removed').length} archive(s) removed`, { event: 'forget', source, tenant });
    return finish(base, archives, false, ctx);
  } finally {
    await releaseAll(leases, ctx);
  }
}

function checkOptions(options: ForgetOptions, ctx: Context): { source: string; tenant: string } {
  if (!options.source || !options.tenant) throw new UsageError('forget needs --source and --tenant', { hint: 'orgbackup forget --source <name> --tenant <id> --all' });
  if (!options.all) throw new UsageError('forget erases every archive of the tenant and needs --all to say so', { hint: 'orgbackup forget --source <name> --tenant <id> --all' });
  // A source removed from the config still has archives to erase; only the name's form is checked.
  if (!ctx.config.sources[options.source] && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.source))
    throw new UsageError(`"${options.source}" is not a source name`, { hint: 'give the source name as `orgbackup list` shows it (letters, digits, ".", "_" and "-")' });
  encodeTenant(options.tenant);
  return { source: options.source, tenant: options.tenant };
}

/** The config key of the tenant's own recipients, when it has them (public keys only). */
function tenantKeyOf(source: string, tenant: string, ctx: Context): { tenantKey?: { configKey: string; recipients: string[] } } {
  const own = ctx.config.encryption?.tenantRecipients ?? {};
  for (const key of [`${source}/${tenant}`, tenant]) {
    const recipients = own[key];
    if (recipients) return { tenantKey: { configKey: `encryption.tenantRecipients.${key}`, recipients } };
  }
  return {};
}

function entry(storage: string, listing: ArchiveListing, status: ForgottenArchive['status']): ForgottenArchive {
  return { id: listing.id, storage, status, complete: listing.complete, bytes: listing.size ?? 0 };
}

function finish(base: Pick<ForgetResult, 'source' | 'tenant' | 'storages' | 'tenantKey'>, archives: ForgottenArchive[], dryRun: boolean, ctx: Context): ForgetResult {
  // A held archive is an erasure not done: it counts as failed for the exit status.
  const exitCode = archives.length === 0 ? ExitCode.ok : exitCodeForItems(archives.map((a) => (a.status === 'held' ? 'failed' : a.status)));
  const gone = archives.filter((a) => a.status === 'removed' || a.status === 'would-remove');
  const held = archives.filter((a) => a.status === 'held').length;
  return {
    command: 'forget',
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun,
    ...base,
    archives,
    summary: { removed: gone.length, failed: archives.length - gone.length - held, bytes: gone.reduce((n, a) => n + a.bytes, 0), held },
    finishedAt: ctx.now().toISOString(),
  };
}
