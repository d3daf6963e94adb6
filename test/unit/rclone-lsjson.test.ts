/** storage/rclone-lsjson.ts: `rclone lsjson` output read line by line. */
import { describe, expect, it } from 'vitest';
import { lsjsonEntries } from '../../src/storage/rclone-lsjson.js';
import { StorageError } from '../../src/storage/types.js';

async function entries(lines: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of lsjsonEntries(lines, 'storage "r"')) out.push(`${entry.Path}:${entry.Size}`);
  return out;
}

const entry = (name: string, size: number) => JSON.stringify({ Path: name, Name: name, Size: size, ModTime: '2026-12-07T08:55:49.48Z', IsDir: false });

describe('lsjsonEntries', () => {
  it.each<{ name: string; lines: string[]; want: string[] }>([
    { name: 'a listing of two', lines: ['[', `${entry('a/f2', 2)},`, entry('a/b/f1', 3), ']'], want: ['a/f2:2', 'a/b/f1:3'] },
    { name: 'an empty listing', lines: ['[', ']'], want: [] },
    { name: 'what a failed rclone printed before exiting (the exit status says it failed)', lines: ['['], want: [] },
    { name: 'no output at all', lines: [], want: [] },
    { name: 'CRLF line ends and blank lines', lines: ['[\r', '', `${entry('x', 1)}\r`, ']\r'], want: ['x:1'] },
    { name: 'a name holding "},{" and a newline escape', lines: ['[', entry('a},{"b\nc', 4), ']'], want: ['a},{"b\nc:4'] },
  ])('$name', async ({ lines, want }) => {
    expect(await entries(lines)).toEqual(want);
  });

  it.each([
    ['a line of another program', ['[', 'Usage: rclone [flags]']],
    ['JSON that is not an entry', ['[', '{"Path": 3},']],
    ['a broken entry', ['[', '{"Path":"a","Size":2,']],
  ])('refuses %s', async (_name, lines) => {
    await expect(entries(lines)).rejects.toThrow(StorageError);
    await expect(entries(lines)).rejects.toThrow(/rclone lsjson printed a line that is not a listing entry/);
  });
});
