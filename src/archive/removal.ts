/**
 * Removing one archive from a storage, for delete and forget. The sidecar goes first, then the
 * object: the sidecar is the commit marker, so a removal cut off between the two leaves an
 * incomplete archive (invisible to list/restore/verify, removed by prune), never a sidecar that
 * promises data that is gone.
 */
import type { Storage } from '../storage/types.js';
import { pauseAt } from '../util/test-hooks.js';
import type { ArchiveListing } from './catalog.js';
import { sidecarKey } from './layout.js';

/** The keys removing `listing` deletes, in the order they are deleted. */
export function removalKeys(listing: ArchiveListing): string[] {
  return [...(listing.complete ? [sidecarKey(listing.id)] : []), ...(listing.archiveKey ? [listing.archiveKey] : [])];
}

export async function removeArchive(storage: Storage, listing: ArchiveListing, signal: AbortSignal): Promise<void> {
  const keys = removalKeys(listing);
  for (const [i, key] of keys.entries()) {
    if (i > 0) await pauseAt('remove-object', key, signal);
    await storage.delete(key, { signal });
  }
}
