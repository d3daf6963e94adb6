/**
 * Verify levels 1 and 2 of one archive (SPEC.md "Verify"), in one streaming pass:
 * level 1: the sidecar exists and the stored object's size and sha256 match it;
 * level 2: it decrypts and unzips, every entry's sha256 matches, and the source can read the dump.
 */
import { errorMessage } from '../errors.js';
import type { Storage } from '../storage/types.js';
import type { Source } from '../sources/types.js';
import type { Decryptor } from '../crypto/types.js';
import { readSidecar, type ArchiveListing } from './catalog.js';
import { archiveEntries, checkedEntryStream, objectMatchesSidecar, ObjectMismatchError } from './reader.js';
import type { DatabaseLocale, Sidecar } from './manifest.js';

export interface VerifyItem {
  id: string;
  storage: string;
  status: 'ok' | 'failed';
  /** The level that failed (1, 2 or 3), when one did. */
  failedLevel?: 1 | 2 | 3;
  levels: number[];
  size?: number;
  error?: string;
  hint?: string;
  /** Level 3 (--restore-test): where it restored (no secrets), what it found, what differed. */
  restoreTest?: { where: string; tables: number; rows: number; files?: number; locale?: DatabaseLocale; problems: string[]; durationMs: number };
}

export interface VerifyArchiveOptions {
  /** Level 1 only (verify --quick): the stored object's size and sha256 against the sidecar. */
  quick?: boolean;
  source?: Source;
  decryptor?: Decryptor;
  signal?: AbortSignal;
}

/** Levels 1 and 2; returns the sidecar too so a restore test can go on from it. */
export async function verifyArchive(storage: Storage, listing: ArchiveListing, options: VerifyArchiveOptions): Promise<{ item: VerifyItem; sidecar?: Sidecar }> {
  const base = { id: listing.id, storage: storage.name, size: listing.size };
  if (!listing.complete) return { item: { ...base, status: 'failed', failedLevel: 1, levels: [], error: 'no sidecar manifest: the archive is incomplete' } };
  let sidecar: Sidecar;
  try {
    sidecar = await readSidecar(storage, listing.id, options.signal);
  } catch (error) {
    return { item: failed(base, 1, error, []) };
  }
  if (options.quick) return { item: await levelOne(storage, listing.id, base, sidecar, options.signal), sidecar };
  try {
    // Colliding paths fail only once a restore writes them: refuse them from the manifest.
    options.source?.checkManifest?.(sidecar);
    for await (const entry of archiveEntries(storage, sidecar, options)) {
      if (options.source?.checkEntry) {
        const { stream, done } = checkedEntryStream(entry.body);
        const [checked, read] = await Promise.allSettled([options.source.checkEntry(entry.name, stream, sidecar, options.signal ?? new AbortController().signal), done]);
        // Damage in the bytes explains a tool's complaint about them: report the damage.
        if (read.status === 'rejected') throw read.reason;
        if (checked.status === 'rejected') throw checked.reason;
      } else for await (const _ of entry.body) void _;
    }
    return { item: { ...base, status: 'ok', levels: [1, 2] }, sidecar };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    // Level 2 saw the damage first; whether the stored bytes themselves changed decides the level.
    const objectChanged = error instanceof ObjectMismatchError || !(await objectMatchesSidecar(storage, sidecar, options.signal).catch(() => false));
    const reported =
      objectChanged && !(error instanceof ObjectMismatchError)
        ? new ObjectMismatchError(`archive ${listing.id}: the stored object's size or sha256 no longer match its sidecar (${errorMessage(error)})`, {
            hint: 'the stored bytes were altered or truncated; use another archive',
          })
        : error;
    return { item: failed(base, objectChanged ? 1 : 2, reported, objectChanged ? [] : [1]), sidecar };
  }
}

async function levelOne(storage: Storage, id: string, base: Pick<VerifyItem, 'id' | 'storage' | 'size'>, sidecar: Sidecar, signal?: AbortSignal): Promise<VerifyItem> {
  try {
    if (await objectMatchesSidecar(storage, sidecar, signal)) return { ...base, status: 'ok', levels: [1] };
    const hint = 'the stored bytes were altered or truncated; use another archive';
    return failed(base, 1, new ObjectMismatchError(`archive ${id}: the stored object's size or sha256 no longer match its sidecar`, { hint }), []);
  } catch (error) {
    if (signal?.aborted) throw error;
    return failed(base, 1, error, []);
  }
}

function failed(base: Pick<VerifyItem, 'id' | 'storage' | 'size'>, level: 1 | 2 | 3, error: unknown, passed: number[]): VerifyItem {
  const hint = (error as { hint?: string }).hint;
  return { ...base, status: 'failed', failedLevel: level, levels: passed, error: errorMessage(error), ...(hint ? { hint } : {}) };
}
