/**
 * Reads `rclone lsjson` output as it arrives. rclone prints its JSON array one entry a line
 * ("[", then `{...},` lines, then "]"), writing each directory's entries as the remote pages them
 * in, so a listing is read entry by entry and never held whole. Whether the listing is complete is
 * rclone's exit status, not the closing bracket (a failed rclone may stop after "[").
 */
import { StorageError } from './types.js';

export interface LsjsonEntry {
  Path: string;
  Size: number;
  ModTime: string;
  IsDir?: boolean;
}

/** Entries of lsjson output given as lines; a line that is not part of such output is refused. */
export async function* lsjsonEntries(lines: AsyncIterable<string> | Iterable<string>, where: string): AsyncGenerator<LsjsonEntry> {
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line === '[' || line === ']') continue;
    const json = line.endsWith(',') ? line.slice(0, -1) : line;
    let entry: unknown;
    try {
      entry = json.startsWith('{') ? JSON.parse(json) : undefined;
    } catch {
      entry = undefined;
    }
    if (!isEntry(entry)) {
      throw new StorageError(
        `${where}: rclone lsjson printed a line that is not a listing entry: ${JSON.stringify(line.slice(0, 80))}`,
        'check that "rclone" is rclone itself (rclone version), and run the same lsjson by hand',
      );
    }
    yield entry;
  }
}

function isEntry(value: unknown): value is LsjsonEntry {
  const entry = value as Partial<LsjsonEntry> | undefined;
  return typeof entry === 'object' && entry !== null && typeof entry.Path === 'string' && typeof entry.Size === 'number' && typeof entry.ModTime === 'string';
}
