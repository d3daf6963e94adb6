import { describe, expect, it } from 'vitest';
import { jsonValue, parseInsert, sqlLiteral } from '../../src/sources/mysql/export/values.js';

describe('INSERT statements of rows entries and mysqldump', () => {
  it.each([
    ['INSERT INTO `t` (`a`,`b`) VALUES (1,NULL);', { table: 't', columns: ['a', 'b'], rows: [['1', null]] }],
    [
      "INSERT INTO `t` VALUES (1,'x'),(2,'');",
      {
        table: 't',
        rows: [
          ['1', 'x'],
          ['2', ''],
        ],
      },
    ],
    [
      "INSERT INTO `t` VALUES\n(1,'a\\'b\\\\c\\nd\\0'),\n(2,'it''s');",
      {
        table: 't',
        rows: [
          ['1', "a'b\\c\nd\0"],
          ['2', "it's"],
        ],
      },
    ],
    ["INSERT INTO `we``ird` VALUES (0x00FF,'',-1.5e-3,b'101',_binary 'ab',X'0a');", { table: 'we`ird', rows: [['0x00ff', '', '-1.5e-3', '0x05', '0x6162', '0x0a']] }],
    ["INSERT INTO `t` VALUES ('(),;');", { table: 't', rows: [['(),;']] }],
    ["INSERT INTO `t` (`a`) VALUES ('it\\'s\\n\\\\ \\0\\Z\\r\\\"');", { table: 't', columns: ['a'], rows: [['it\'s\n\\ \0\x1a\r"']] }],
    ["INSERT INTO `t` (`a`,`b`) VALUES ('NULL','a,b)');", { table: 't', columns: ['a', 'b'], rows: [['NULL', 'a,b)']] }],
  ])('%j', (statement, expected) => {
    expect(parseInsert(statement)).toEqual(expected);
  });

  it.each([["INSERT INTO `t` VALUES ('open);"], ['INSERT INTO `t` (`a`) VALUES (1)'], ['INSERT INTO `t` (`a`) VALUES (1); DROP TABLE x;']])('refuses a statement it cannot read: %s', (statement) => {
    expect(() => parseInsert(statement)).toThrow(/cannot be read/);
  });
});

describe('values per column type', () => {
  it.each([
    ['0x00ff', 'blob', 'json', '"AP8="'],
    ['', 'varbinary(4)', 'sql', "''"],
    ['0x00ff', 'blob', 'sql', '0x00ff'],
    ['123.450', 'decimal(10,3)', 'json', '"123.450"'],
    ['123.450', 'decimal(10,3)', 'sql', '123.450'],
    ['7', 'int(11)', 'json', '7'],
    ["a'\n\\", 'text', 'sql', "'a\\'\\n\\\\'"],
    ['2026-01-02 03:04:05.5', 'timestamp(1)', 'json', '"2026-01-02T03:04:05.5+00:00"'],
    ['0000-00-00 00:00:00', 'datetime', 'json', '"0000-00-00 00:00:00"'],
  ])('%s as %s (%s)', (text, type, format, expected) => {
    expect(format === 'json' ? jsonValue(text, type) : sqlLiteral(text, type)).toBe(expected);
  });
});
