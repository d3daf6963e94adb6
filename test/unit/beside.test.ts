/** Work names beside a restore target stay within NAME_MAX (255 bytes) and never split a character. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { besidePath, truncateBytes } from '../../src/util/beside.js';

describe('besidePath', () => {
  it.each([
    ['a short name is kept whole', 'acme', '.acme.restore-0a1b2c3d'],
    ['a 255-byte name is shortened', 'n'.repeat(255), `.${'n'.repeat(254 - 17)}.restore-0a1b2c3d`],
    ['multi-byte names are cut between characters', '漢'.repeat(85), `.${'漢'.repeat(79)}.restore-0a1b2c3d`],
  ])('%s', (_label, base, want) => {
    const made = besidePath(path.join('/srv/tenants', base), 'restore', '0a1b2c3d');
    expect(path.basename(made)).toBe(want);
    expect(Buffer.byteLength(path.basename(made))).toBeLessThanOrEqual(255);
    expect(path.dirname(made)).toBe('/srv/tenants');
  });

  it('keeps room for a suffix and for names a tool derives', () => {
    const made = path.basename(besidePath('/d/' + 'x'.repeat(255), 'old', 'ffffffff', '-wal', 4));
    expect(Buffer.byteLength(made) + 4).toBeLessThanOrEqual(255);
    expect(made.endsWith('.old-ffffffff-wal')).toBe(true);
  });
});

describe('truncateBytes', () => {
  it.each([
    ['abc', 5, 'abc'],
    ['abcdef', 3, 'abc'],
    ['äöü', 5, 'äö'],
    ['a😀b', 4, 'a'],
    ['a😀b', 5, 'a😀'],
  ])('%j to %i bytes', (text, max, want) => {
    expect(truncateBytes(text, max)).toBe(want);
  });
});
