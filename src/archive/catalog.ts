/**
 * What is in a storage, from key names alone (SPEC.md "list must not download archives"):
 * archive and sidecar keys are paired by id; an archive is complete when its sidecar is there.
 * Sidecars are read only when a caller needs their contents.
 */
import { UsageError, VerificationError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { parseKey, parseTimestamp, sidecarKey, tenantPrefix, type ArchiveRef } from './layout.js';
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
}

export interface ListFilter {
  source?: string;
  tenant?: string;
}

export async function listArchives(storage: Storage, filter: ListFilter = {}, signal?: AbortSignal): Promise<ArchiveListing[]> {
  const prefix = filter.source ? tenantPrefix(filter.source, filter.tenant) : '';
  const byId = new Map<string, ArchiveListing>();
  for await (const object of storage.list(prefix, { signal })) {
    const parsed = parseKey(object.key);
    if (!parsed) continue;
    let listing = byId.get(parsed.id);
    if (!listing) {
      listing = {
        id: parsed.id,
        ref: parsed.ref,
        storage: storage.name,
        time: parseTimestamp(parsed.ref.timestamp)!,
        encrypted: false,
        complete: false,
        modified: object.modified,
      };
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
  return [...byId.values()].sort(newestFirst);
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
    throw new VerificationError(`the sidecar manifest of ${id} in storage "${storage.name}" is not an orgbackup manifest`);
  }
  checkSidecarIdentity(id, parsed, storage.name);
  return parsed;
}

export interface ResolveOptions extends ListFilter {
  signal?: AbortSignal;
}

/** Finds a complete archive by id, or `latest` of the selected source and tenant. */
export async function resolveArchive(storage: Storage, idOrLatest: string, options: ResolveOptions): Promise<ArchiveListing> {
  if (idOrLatest === 'latest') {
    if (!options.source) throw new UsageError('"latest" needs --source (and --tenant unless the source has a single tenant)');
    const complete = (await listArchives(storage, options, options.signal)).filter((a) => a.complete && a.archiveKey);
    const tenants = new Set(complete.map((a) => a.ref.tenant));
    if (!options.tenant && tenants.size > 1) {
      throw new UsageError(`"latest" is ambiguous: source ${options.source} has archives of ${tenants.size} tenants`, { hint: 'add --tenant <id>' });
    }
    const newest = complete[0];
    if (!newest) throw new UsageError(`no complete archive of ${options.source}${options.tenant ? `/${options.tenant}` : ''} in storage "${storage.name}"`, { hint: 'run `orgbackup list` to see what there is' });
    return newest;
  }
  const parsed = parseKey(sidecarKey(idOrLatest));
  if (!parsed) {
    throw new UsageError(`"${idOrLatest}" is not an archive id`, { hint: 'ids look like <source>/<tenant>/2026-11-20T02-00-00.000Z; see `orgbackup list`' });
  }
  const found = (await listArchives(storage, { source: parsed.ref.source, tenant: parsed.ref.tenant }, options.signal)).find((a) => a.id === idOrLatest);
  if (!found?.complete || !found.archiveKey) {
    throw new UsageError(`archive ${idOrLatest} does not exist in storage "${storage.name}"${found ? ' (it is incomplete: no sidecar manifest)' : ''}`, {
      hint: 'run `orgbackup list` to see the archives there are',
    });
  }
  return found;
}
