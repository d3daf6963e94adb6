/**
 * Archive entry names for files. A backslash is an ordinary character of a Linux file name (common
 * in Windows uploads), but zip writers and extractors take it for a separator, so such a path is
 * stored under an entry name with `%5C` in its place and the real path is recorded in the manifest
 * entry (`path`), which a restore writes back byte-exact.
 */
import { VerificationError } from '../../errors.js';
import type { ManifestEntry } from '../../archive/manifest.js';
import { assertSafeEntryName } from '../../archive/entry-names.js';

export const FILES_PREFIX = 'files/';

/** Picks entry names for one archive's files; `taken` are the names given so far. */
export class FileEntryNames {
  private readonly taken = new Set<string>();

  /** The entry name for `rel` ('/'-separated), and the path to record when the name cannot say it. */
  next(rel: string): { name: string; path?: string } {
    const wanted = FILES_PREFIX + rel.replace(/\\/g, '%5C');
    let name = wanted;
    // An encoded name may equal a real file's name (`a\b` and `a%5Cb`): the later one gets a suffix.
    for (let n = 1; this.taken.has(name); n++) name = `${wanted}~${n}`;
    this.taken.add(name);
    return name === FILES_PREFIX + rel ? { name } : { name, path: rel };
  }
}

/**
 * The path under the target an entry restores to. The manifest is untrusted input: a recorded
 * path must be relative, without `.`, `..`, empty parts or NUL, like an entry name (a backslash
 * is allowed there: it is a plain character on Linux).
 */
export function restorePath(entryName: string, recorded: ManifestEntry | undefined, what: string): string {
  const rel = recorded?.path ?? entryName.slice(FILES_PREFIX.length);
  try {
    assertSafeEntryName(FILES_PREFIX + rel.replace(/\\/g, '%5C'));
  } catch {
    throw new VerificationError(`${what}: entry ${entryName} records the unsafe path ${JSON.stringify(rel)}; refusing it`, { hint: 'the archive or its sidecar was altered; use another archive' });
  }
  return rel;
}

/**
 * Refuses an archive whose files entries cannot all be restored: two that restore to the same path,
 * or one restoring to a path another needs as a directory (`files/x` and `files/x/y`). The writer
 * never makes such an archive (a path is a file or a directory), so it was altered; checked from
 * the manifest, before a restore writes anything.
 */
export function assertNoCollidingPaths(entries: readonly ManifestEntry[], what: string): void {
  const byPath = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.name.startsWith(FILES_PREFIX)) continue;
    const rel = restorePath(entry.name, entry, what);
    const other = byPath.get(rel);
    if (other !== undefined) throw colliding(what, other, entry.name, `both restore to ${JSON.stringify(rel)}`);
    byPath.set(rel, entry.name);
  }
  for (const [rel, name] of byPath) {
    // Every ancestor directory of a file must not itself be a file of the archive.
    for (let cut = rel.indexOf('/'); cut !== -1; cut = rel.indexOf('/', cut + 1)) {
      const file = byPath.get(rel.slice(0, cut));
      if (file !== undefined) throw colliding(what, file, name, `${JSON.stringify(rel.slice(0, cut))} would be both a file and a directory`);
    }
  }
}

function colliding(what: string, first: string, second: string, why: string): VerificationError {
  return new VerificationError(`${what}: entries ${first} and ${second} collide (${why}); refusing it, nothing was changed`, {
    hint: 'the archive or its sidecar was altered; use another archive',
  });
}
