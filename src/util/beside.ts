/**
 * Hidden work paths next to a restore target (`.<name>.restore-<tag>`), kept within NAME_MAX: a
 * target whose own name is already close to 255 bytes (a long tenant directory or database file)
 * must still be restorable in place, so the copied name is shortened to fit.
 */
import path from 'node:path';

const NAME_MAX = 255;

/**
 * `<dir of target>/.<basename, shortened>.<kind>-<tag><suffix>`, at most NAME_MAX bytes, less
 * `reserve` bytes for names a tool derives from it (sqlite's `-journal`).
 */
export function besidePath(target: string, kind: string, tag: string, suffix = '', reserve = 0): string {
  const extra = `.${kind}-${tag}${suffix}`;
  const room = NAME_MAX - 1 - reserve - Buffer.byteLength(extra);
  return path.join(path.dirname(target), `.${truncateBytes(path.basename(target), room)}${extra}`);
}

/** The longest prefix of `text` of at most `max` UTF-8 bytes, never splitting a character. */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > max) break;
    out += ch;
    bytes += size;
  }
  return out;
}
