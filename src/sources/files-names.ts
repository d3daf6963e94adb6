/**
 * Archive entry names for files. A backslash is an ordinary character of a Linux file name (common
 * in Windows uploads), but zip writers and extractors take it for a separator, so such a path is
 * stored under an entry name with `%5C` in its place and the real path is recorded in the manifest
 * entry (`path`), which a restore writes back byte-exact.
 */
import { VerificationError } from '../errors.js';
import type { ManifestEntry } from '../archive/manifest.js';
import { assertSafeEntryName } from '../archive/writer.js';

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
