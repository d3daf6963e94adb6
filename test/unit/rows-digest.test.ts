/**
 * The order-independent row digest (src/sources/rows/digest.ts) that restore tests compare: equal
 * for the same rows in any order and any chunking, different for other rows, duplicates counted.
 */
import { describe, expect, it } from 'vitest';
import { LineDigest, RowDigest } from '../../src/sources/rows/digest.js';

/** The digest of COPY text fed in chunks of `size` bytes. */
function digestOf(text: string, size = 1 << 20): string {
  const bytes = Buffer.from(text);
  const digest = new LineDigest();
  for (let at = 0; at < bytes.length; at += size) digest.update(bytes.subarray(at, at + size));
  return digest.hex;
}

const rows = ['1\t7\talpha\n', '2\t7\tbeta\t\\N\n', '3\t7\tgamma é\n', '4\t7\t\\\\n not a newline\n'];

describe('row digest', () => {
  it.each<[string, string, string]>([
    ['the same rows in reverse order', rows.join(''), [...rows].reverse().join('')],
    ['the same rows rotated', rows.join(''), [...rows.slice(2), ...rows.slice(0, 2)].join('')],
    ['no rows, both sides', '', ''],
    ['one row split across chunks', rows[2]!, rows[2]!],
  ])('equal: %s', (_name, a, b) => {
    expect(digestOf(a)).toBe(digestOf(b));
  });

  it.each<[string, string, string]>([
    ['a changed value', rows.join(''), rows.join('').replace('beta', 'betA')],
    ['a row missing', rows.join(''), rows.slice(1).join('')],
    ['an extra row', rows.join(''), rows.join('') + '5\t7\tdelta\n'],
    ['a duplicated row instead of another', rows.join(''), [rows[0], rows[0], rows[2], rows[3]].join('')],
    ['a row twice against once', rows[0]!, rows[0]! + rows[0]!],
    ['a pair of duplicates against none', rows[1]!, rows[1]! + rows[0]! + rows[0]!],
    ['values moved between rows', 'a\tb\nc\td\n', 'a\td\nc\tb\n'],
    ['a row against no rows', rows[0]!, ''],
  ])('different: %s', (_name, a, b) => {
    expect(digestOf(a)).not.toBe(digestOf(b));
  });

  it.each([1, 2, 3, 7, 64])('does not depend on how the text is chunked (%i-byte chunks)', (size) => {
    const text = [...rows, ...rows.map((r) => r.replace('\t7\t', '\t8\t'))].join('');
    expect(digestOf(text, size)).toBe(digestOf(text));
  });

  it('LineDigest over lines equals RowDigest over each line, newline included', () => {
    const digest = new RowDigest();
    for (const row of [...rows].reverse()) digest.addRow(Buffer.from(row));
    expect(digest.hex).toBe(digestOf(rows.join('')));
    expect(new RowDigest().hex).toBe('0'.repeat(64));
  });
});
