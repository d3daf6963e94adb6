/** diff's pure parts: comparing indexed rows (keyed and whole rows) and reading MySQL INSERT lines. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compareIndexes, indexRows, sharedKey } from '../../src/sources/rows/diff.js';
import type { RowCells } from '../../src/sources/rows/decoder.js';

async function index(columns: string[], key: string[] | undefined, rows: RowCells[]) {
  return indexRows({ columns, primaryKey: key ?? [], rows: Readable.from(rows, { objectMode: true }) }, key);
}

describe('compareIndexes', () => {
  it.each([
    ['same rows', [['1', 'a']], [['1', 'a']], { added: 0, removed: 0, changed: 0, unchanged: 1 }],
    ['a changed value', [['1', 'a']], [['1', 'b']], { changed: 1, samples: { changed: ['1'] } }],
    ['NULL vs the text NULL', [['1', null]], [['1', 'NULL']], { changed: 1 }],
    ['NULL vs empty string', [['1', null]], [['1', '']], { changed: 1 }],
    ['added and removed', [['1', 'a']], [['2', 'a']], { added: 1, removed: 1, samples: { added: ['2'], removed: ['1'] } }],
    [
      'samples in natural key order, capped',
      [],
      [
        ['10', 'x'],
        ['9', 'x'],
        ['2', 'x'],
        ['1', 'x'],
      ],
      { added: 4, samples: { added: ['1', '2', '9'] } },
    ],
  ] as [string, RowCells[], RowCells[], object][])('keyed: %s', async (_name, from, to, expected) => {
    const key = ['id'];
    expect(compareIndexes(await index(['id', 'v'], key, from), await index(['id', 'v'], key, to), key, 3)).toMatchObject(expected);
  });

  it.each([
    ['a duplicate row removed', [['a'], ['a']], [['a']], { keyed: false, removed: 1, added: 0, unchanged: 1 }],
    ['a changed row', [['a'], ['b']], [['a'], ['c']], { removed: 1, added: 1, unchanged: 1, changed: 0 }],
  ] as [string, RowCells[], RowCells[], object][])('whole rows: %s', async (_name, from, to, expected) => {
    expect(compareIndexes(await index(['v'], undefined, from), await index(['v'], undefined, to), undefined, 3)).toMatchObject(expected);
  });

  it('compares by column name, not position', async () => {
    const a = await index(['id', 'x', 'y'], ['id'], [['1', 'a', 'b']]);
    const b = await index(['y', 'id', 'x'], ['id'], [['b', '1', 'a']]);
    expect(compareIndexes(a, b, ['id'], 3)).toMatchObject({ unchanged: 1, changed: 0 });
  });

  it('formats a composite key, and uses a key only when both sides share it', async () => {
    const key = ['a', 'b'];
    const diff = compareIndexes(new Map(), await index(['a', 'b'], key, [['1', 'x']]), key, 3);
    expect(diff.samples.added).toEqual(['(1, x)']);
    expect(sharedKey({ columns: ['id'], primaryKey: ['id'] }, { columns: ['id'], primaryKey: [] })).toBeUndefined();
    expect(sharedKey({ columns: ['a', 'b'], primaryKey: key }, { columns: ['b', 'a'], primaryKey: key })).toEqual(key);
  });
});
