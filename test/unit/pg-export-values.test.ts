import { describe, expect, it } from 'vitest';
import { jsonValue, parseArrayLiteral, parseCopyLine } from '../../src/sources/postgres/export/values.js';

describe('COPY text lines', () => {
  it.each([
    ['1\t\\N\t', ['1', null, '']],
    ['a\\tb\\nc\\\\d\\re', ['a\tb\nc\\d\re']],
    ['\\\\x00ff', ['\\x00ff']],
    ['\\101\\x42', ['AB']],
  ])('%j', (line, expected) => {
    expect(parseCopyLine(line)).toEqual(expected);
  });
});

describe('array literals', () => {
  it.each([
    ['{}', []],
    ['{1,NULL,3}', ['1', null, '3']],
    [
      '{{1,2},{3,4}}',
      [
        ['1', '2'],
        ['3', '4'],
      ],
    ],
    ['{"a,b","c\\"d",NULL,"","NULL","x\\\\y"}', ['a,b', 'c"d', null, '', 'NULL', 'x\\y']],
    ['[0:1]={7,8}', ['7', '8']],
  ])('%s', (text, expected) => {
    expect(parseArrayLiteral(text)).toEqual(expected);
  });

  it.each(['{1,2', '1,2}', '{1}x'])('refuses %s', (text) => {
    expect(() => parseArrayLiteral(text)).toThrow('not a PostgreSQL array literal');
  });
});

describe('JSON values by type', () => {
  it.each([
    ['42', 'integer', '42'],
    ['9223372036854775807', 'bigint', '"9223372036854775807"'],
    ['1.50', 'numeric(10,2)', '"1.50"'],
    ['Infinity', 'double precision', '"Infinity"'],
    ['t', 'boolean', 'true'],
    ['{"a": 1.0,\n "b": 2}', 'json', '{"a": 1.0,  "b": 2}'],
    ['\\x00ff', 'bytea', '"AP8="'],
    ['2026-01-02 03:04:05.5+05:30', 'timestamp with time zone', '"2026-01-02T03:04:05.5+05:30"'],
    ['2026-01-02 03:04:05+00', 'timestamp with time zone', '"2026-01-02T03:04:05+00:00"'],
    ['1900-01-01 00:00:00+00:53:28', 'timestamp with time zone', '"1900-01-01T00:00:00+00:53:28"'],
    ['infinity', 'timestamp with time zone', '"infinity"'],
    ['{1,NULL}', 'integer[]', '[1,null]'],
    ['{"\\\\x01"}', 'bytea[]', '["AQ=="]'],
    ['x', 'uuid', '"x"'],
  ])('%j as %s', (text, type, expected) => {
    expect(jsonValue(text, type)).toBe(expected);
  });
});
