/**
 * What is in a storage, from key names alone (SPEC.md "list must not download archives"):
 * archive and sidecar keys are paired by id; an archive is complete when its sidecar is there.
 * Sidecars are read only when a caller needs their contents.
 */
import { UsageError, VerificationError, DAMAGED_ARCHIVE_HINT } from '../errors.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { parseKey, parseTimestamp, sidecarKey, tenantPrefix, type ArchiveRef, type ParsedKey } from './layout.js';
import { parseHoldKey } from './hold.js';
import { checkSidecarIdentity } from './identity.js';
import { isSidecar, type Sidecar } from './manifest.js';

export interface ArchiveListing {
  id: string;
  ref: ArchiveRef;
  storage: string;
  time: Date;
  /** The archive object's key, when present. */
  archiveKey?: string;
  size?: number;
  encrypted: boolean;
  complete: boolean;
  /** When the newest of its objects was written (for removing stale incomplete ones). */
  modified: Date;
  /** Its legal hold object (hold.ts), when there is one: prune, delete and forget leave the archive alone. */
  hold?: { key: string; size: number };
}

export interface ListFilter {
  source?: string;
  tenant?: string;
  /** A tenant's key part as a key holds it (a hashed one, from an archive id), instead of `tenant`. */
  tenantKey?: string;
}

/** The filter that lists the archives of the tenant an archive id names. */
export function filterOfId(ref: ArchiveRef): ListFilter {
  return ref.hashedTenant ? { source: ref.source, tenantKey: ref.tenant } : { source: ref.source, tenant: ref.tenant };
}

export async function listArchives(storage: Storage, filter: ListFilter = {}, signal?: AbortSignal): Promise<ArchiveListing[]> {
  const listings: ArchiveListing[] = [];
  for await (const group of listTenantGroups(storage, filter, signal)) listings.push(...group);
  return listings.sort(newestFirst);
}

function prefixOf(filter: ListFilter): string {
  return !filter.source ? '' : filter.tenantKey !== undefined ? `${filter.source}/${filter.tenantKey}/` : tenantPrefix(filter.source, filter.tenant);
}

/**
 * The archives of a storage one tenant at a time (each group newest first), as the listing
 * arrives: a tenant's keys share the directory `<source>/<tenant key>/`, and storage `list` yields
 * a directory's objects together (storage/types.ts), so a group is complete when the next one
 * starts and is dropped once the caller has it. Memory holds one tenant's archives, not the fleet's.
 */
export async function* listTenantGroups(storage: Storage, filter: ListFilter = {}, signal?: AbortSignal): AsyncGenerator<ArchiveListing[]> {
  let groupKey: string | undefined;
  let byId = new Map<string, ArchiveListing>();
  let holds = new Map<string, { key: string; size: number }>();
  const finish = async (): Promise<ArchiveListing[]> => {
    const listings = [...byId.values()];
    // A hold sits beside its archive's sidecar, so it arrives in the same group.
    for (const listing of listings) {
      const hold = holds.get(listing.id);
      if (hold) listing.hold = hold;
    }
    byId = new Map();
    holds = new Map();
    await nameHashedTenants(storage, listings, signal);
    return listings.sort(newestFirst);
  };
  for await (const object of storage.list(prefixOf(filter), { signal })) {
    const key = object.key.slice(0, object.key.lastIndexOf('/'));
    if (key !== groupKey) {
      if (byId.size > 0) yield await finish();
      else holds = new Map(); // holds of a directory without archives mark nothing
    }
    groupKey = key;
    // A hold object is no archive, complete or not: it only marks the archive of its id.
    const heldId = parseHoldKey(object.key);
    if (heldId !== undefined) {
      holds.set(heldId, { key: object.key, size: object.size });
      continue;
    }
    const parsed = parseKey(object.key);
    if (!parsed) continue;
    addObject(byId, parsed, object, storage.name);
  }
  if (byId.size > 0) yield await finish();
}

function addObject(byId: Map<string, ArchiveListing>, parsed: ParsedKey, object: ObjectInfo, storage: string): void {
  let listing = byId.get(parsed.id);
  if (!listing) {
    listing = { id: parsed.id, ref: parsed.ref, storage, time: parseTimestamp(parsed.ref.timestamp)!, encrypted: false, complete: false, modified: object.modified };
    byId.set(parsed.id, listing);
  }
  if (object.modified > listing.modified) listing.modified = object.modified;
  if (parsed.kind === 'sidecar') listing.complete = true;
  else {
    listing.archiveKey = object.key;
    listing.size = object.size;
    listing.encrypted = parsed.encrypted;
  }
}

/**
 * A hashed tenant key part (a long id, src/archive/layout.ts) does not say the tenant: its
 * sidecar does, checked against the key. One read per such archive; an incomplete one, or one
 * whose sidecar cannot be read, keeps the key part (verify reports it, prune ages it out).
 */
async function nameHashedTenants(storage: Storage, listings: ArchiveListing[], signal?: AbortSignal): Promise<void> {
  for (const listing of listings) {
    if (!listing.ref.hashedTenant || !listing.complete) continue;
    const sidecar = await readSidecar(storage, listing.id, signal).catch(() => undefined);
    if (sidecar) listing.ref = { source: listing.ref.source, tenant: sidecar.tenant.id, timestamp: listing.ref.timestamp };
  }
}

export function newestFirst(a: ArchiveListing, b: ArchiveListing): number {
  return b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1);
}

/** The sidecar of `id`, refused (VerificationError) unless it describes exactly that id's archive. */
export async function readSidecar(storage: Storage, id: string, signal?: AbortSignal): Promise<Sidecar> {
  const raw = await storage.getBuffer(sidecarKey(id), { signal });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new VerificationError(`the sidecar manifest of ${id} in storage "${storage.name}" is not valid JSON`, { hint: 'the sidecar was damaged; verify reports the archive as broken' });
  }
  if (!isSidecar(parsed)) {
    throw new VerificationError(`the sidecar manifest of ${id} in storage "${storage.name}" is not an orgbackup manifest`, { hint: DAMAGED_ARCHIVE_HINT });
  }
  checkSidecarIdentity(id, parsed, storage.name);
  return parsed;
}

export interface ResolveOptions extends ListFilter {
  signal?: AbortSignal;
}

/** The trigger of a restore's safety backup (src/restore/safety-backup.ts). */
export const SAFETY_BACKUP_TRIGGER = 'pre-restore';

/**
 * Whether an archive counts for `latest` and `list --stale`: made by create or a schedule, not a
 * restore's safety backup. A safety backup is newer than the archive the restore put back and
 * holds the state the restore was run to undo: taken as `latest`, a second `restore latest`
 * re-applied the damage. Safety backups are restored by their id.
 */
export function countsAsLatest(trigger: string): boolean {
  return trigger !== SAFETY_BACKUP_TRIGGER;
}

/**
 * The first of `listings` (newest first) made by create or a schedule; the trigger is in the
 * sidecar, so sidecars are read until one qualifies (usually the first or second). An archive
 * whose sidecar cannot be read is returned: the caller then reports the damage, rather than
 * silently taking an older archive.
 */
export async function newestMadeByCreate(storage: Storage, listings: readonly ArchiveListing[], signal?: AbortSignal): Promise<ArchiveListing | undefined> {
  for (const listing of listings) {
    const trigger = await readSidecar(storage, listing.id, signal).then(
      (s) => s.trigger,
      () => undefined,
    );
    if (trigger === undefined || countsAsLatest(trigger)) return listing;
  }
  return undefined;
}

/**
 * Finds a complete archive by id (any archive, safety backups included), or `latest` of the
 * selected source and tenant: the newest made by create or a schedule.
 */
export async function resolveArchive(storage: Storage, idOrLatest: string, options: ResolveOptions): Promise<ArchiveListing> {
  if (idOrLatest === 'latest') {
    if (!options.source)
      throw new UsageError('"latest" needs --source (and --tenant unless the source has a single tenant)', { hint: 'add --source <name> --tenant <id>, or give an archive id from `orgbackup list`' });
    const complete = (await listArchives(storage, options, options.signal)).filter((a) => a.complete && a.archiveKey);
    const tenants = new Set(complete.map((a) => a.ref.tenant));
    if (!options.tenant && tenants.size > 1) {
      throw new UsageError(`"latest" is ambiguous: source ${options.source} has archives of ${tenants.size} tenants`, { hint: 'add --tenant <id>' });
    }
    const what = `${options.source}${options.tenant ? `/${options.tenant}` : ''}`;
    if (!complete[0]) throw new UsageError(`no complete archive of ${what} in storage "${storage.name}"`, { hint: 'run `orgbackup list` to see what there is' });
    const newest = await newestMadeByCreate(storage, complete, options.signal);
    if (!newest) {
      throw new UsageError(`"latest" found no archive of ${what} made by create or a schedule in storage "${storage.name}", only pre-restore safety backups`, {
        hint: 'restore a safety backup by its id (`orgbackup list --long` shows the trigger of each archive)',
      });
    }
    return newest;
  }
  const parsed = parseKey(sidecarKey(idOrLatest));
  if (!parsed) {
    throw new UsageError(`"${idOrLatest}" is not an archive id`, { hint: 'ids look like <source>/<tenant>/2026-11-20T02-00-00.000Z; see `orgbackup list`' });
  }
  const found = (await listArchives(storage, filterOfId(parsed.ref), options.signal)).find((a) => a.id === idOrLatest);
  if (!found?.complete || !found.archiveKey) {
    throw new UsageError(`archive ${idOrLatest} does not exist in storage "${storage.name}"${found ? ' (it is incomplete: no sidecar manifest)' : ''}`, {
      hint: 'run `orgbackup list` to see the archives there are',
    });
  }
  return found;
}
