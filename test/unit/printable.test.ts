/** Control characters in human output: each escaped to visible text, JSON-like data left whole. */
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { printable, printableResult } from '../../src/cli/render/printable.js';
import { renderResult } from '../../src/cli/render/index.js';
import { table } from '../../src/cli/render/format.js';

describe('printable', () => {
  it.each([
    ['plain text', 'acme-01 Ltd.', 'acme-01 Ltd.'],
    ['unicode and backslash stay', 'Müller\\Söhne 株式会社', 'Müller\\Söhne 株式会社'],
    ['CSI colour', 'a\x1b[31mred', 'a\\x1b[31mred'],
    ['OSC title with BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['OSC 8 hyperlink with ST', '\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\', '\\x1b]8;;http://evil\\x1b\\x\\x1b]8;;\\x1b\\'],
    ['newline, CR, tab', 'a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['NUL, backspace, DEL', '\0\b\x7f', '\\x00\\x08\\x7f'],
    ['C1 CSI (8-bit)', 'x\u009b31m', 'x\\x9b31m'],
    ['bidi override and isolate', 'abc\u202Etxt.exe\u2066', 'abc\\u202etxt.exe\\u2066'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
  ])('%s', (_label, input, want) => {
    expect(printable(input)).toBe(want);
  });

  it('keepNewlines keeps line breaks and escapes the rest', () => {
    expect(printable('line 1\x1b[2K\nline 2\r', { keepNewlines: true })).toBe('line 1\\x1b[2K\nline 2\\r');
  });

  it('printableResult escapes every string of a result, keys too, and keeps numbers, booleans and nulls', () => {
    const result = { command: 'create', ok: true, n: 3, none: null, planned: [{ tenant: 'e\x1b[0m', name: 'x\x07' }], labels: { 'k\x1b': 'v\r\nw' } };
    expect(printableResult(result)).toEqual({ command: 'create', ok: true, n: 3, none: null, planned: [{ tenant: 'e\\x1b[0m', name: 'x\\x07' }], labels: { 'k\\x1b': 'v\\r\nw' } });
    expect(result.planned[0]!.tenant).toBe('e\x1b[0m');
  });

  it('a table cell never holds a line break', () => {
    expect(table(['A', 'B'], [['x\ny', 'z']])).toBe('A     B\nx\\ny  z\n');
  });

  it('human rendering has no raw control character; JSON keeps the exact strings', () => {
    const result = {
      command: 'create',
      ok: true,
      exitCode: 0,
      dryRun: true,
      storages: ['local'],
      archives: [],
      planned: [{ source: 'app', tenant: 'evil\x1b]0;pwned\x07', tenantName: 'n\x1b[31m\nforged row' }],
    };
    const human = renderResult(result, { json: false, chalk: new Chalk({ level: 0 }) });
    // eslint-disable-next-line no-control-regex
    expect(human).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(human).toContain('evil\\x1b]0;pwned\\x07');
    expect(human.trim().split('\n')).toHaveLength(3);
    const json = renderResult(result, { json: true, chalk: new Chalk({ level: 0 }) });
    expect(JSON.parse(json).planned[0]).toEqual(result.planned[0]);
  });
});
