/** Entry names for files with backslashes, and the paths a restore accepts from a (untrusted) manifest. */
import { describe, expect, it } from 'vitest';
import { FileEntryNames, restorePath } from '../../src/sources/files/names.js';

describe('FileEntryNames', () => {
  it('keeps plain paths, encodes backslashes with the real path recorded, and never repeats a name', () => {
    const names = new FileEntryNames();
    const given = ['plain.txt', 'sub/a%5Cb', 'sub/a\\b', 'sub/a%5Cb~1', 'C:\\x\\y'].map((rel) => names.next(rel));
    expect(given).toEqual([
      { name: 'files/plain.txt' },
      { name: 'files/sub/a%5Cb' },
      { name: 'files/sub/a%5Cb~1', path: 'sub/a\\b' },
      { name: 'files/sub/a%5Cb~1~1', path: 'sub/a%5Cb~1' },
      { name: 'files/C:%5Cx%5Cy', path: 'C:\\x\\y' },
    ]);
    expect(new Set(given.map((g) => g.name)).size).toBe(given.length);
  });
});

describe('restorePath', () => {
  const entry = (path?: string) => ({ name: 'files/x', size: 0, sha256: '', ...(path !== undefined ? { path } : {}) });
  it.each([
    ['no recorded path: the entry name', 'files/a/b.txt', undefined, 'a/b.txt'],
    ['a backslash path', 'files/a%5Cb', 'a\\b', 'a\\b'],
    ['backslash dots are one plain name', 'files/x', '..\\..\\etc', '..\\..\\etc'],
  ])('%s', (_label, name, recorded, want) => {
    expect(restorePath(name, entry(recorded), 'archive t')).toBe(want);
  });

  it.each([['../outside'], ['/etc/passwd'], ['a//b'], ['a/./b'], ['a/../../b'], [''], ['nul\0byte'], ['dir/']])('refuses the recorded path %j', (recorded) => {
    expect(() => restorePath('files/x', entry(recorded), 'archive t')).toThrow(/unsafe path/);
  });
});
