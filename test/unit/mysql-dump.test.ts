import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { DumpScanner, isDumpHeader } from '../../src/sources/mysql/dump-scanner.js';
import { DefinerStripper, stripDefiners } from '../../src/sources/mysql/definers.js';
import { encodeValue, valueKind } from '../../src/sources/mysql/rows/sql.js';
import { flavourOf } from '../../src/sources/mysql/catalog.js';
import { grantee } from '../../src/sources/mysql/privileges.js';

const HEADER = '/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n';
const TRAILER = '\n-- Dump completed on 2026-11-22  1:37:49\n';

/** Scans `text` fed in chunks of `size` bytes, so every state must survive a chunk boundary. */
function scan(text: string, size: number) {
  const scanner = new DumpScanner();
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) scanner.push(bytes.subarray(i, i + size));
  return scanner.end();
}

describe('DumpScanner', () => {
  const cases: [string, string, Record<string, number>][] = [
    ['one line per statement (MySQL)', "INSERT INTO `t` VALUES (1,'a'),(2,'b');\nINSERT INTO `t` VALUES (3,'c');\n", { t: 3 }],
    ['one tuple per line (MariaDB 10.11)', "INSERT INTO `t` VALUES\n(1,'a'),\n(2,'b');\n", { t: 2 }],
    ['quotes, backslashes, parens and semicolons inside strings', "INSERT INTO `t` VALUES (1,'it\\'s (x); \\\\'),(2,'a''b ) ; (');\n", { t: 2 }],
    ['hex blobs and NULLs', 'INSERT INTO `b` VALUES (1,0x00275C0A,NULL),(2,NULL,0x);\n', { b: 2 }],
    ['a column list (orgbackup rows entries)', "INSERT INTO `x` (`id`,`VALUES`) VALUES (1,'v'),(2,'w');\n", { x: 2 }],
    ['backticks in a table name', 'INSERT INTO `we``ird` VALUES (1);\n', { 'we`ird': 1 }],
    ['non-ASCII names and data', "INSERT INTO `日本` VALUES (1,'✓ (ok)');\n", { 日本: 1 }],
    ['INSERTs inside routine bodies are not data', 'DELIMITER ;;\nCREATE PROCEDURE p() BEGIN\nINSERT INTO `t` VALUES (9);\nEND ;;\nDELIMITER ;\nINSERT INTO `t` VALUES (1);\n', { t: 1 }],
    ['an empty table has no INSERT', 'CREATE TABLE `e` (id int);\n', {}],
  ];
  it.each(cases.flatMap(([name, body, rows]) => [1, 3, 4096].map((size) => [name, size, body, rows] as const)))('%s (chunks of %i)', (_name, size, body, rows) => {
    const result = scan(HEADER + body + TRAILER, size);
    expect(Object.fromEntries(result.rows)).toEqual(rows);
    expect(result).toMatchObject({ completed: true, truncated: false });
    expect(isDumpHeader(result.header)).toBe(true);
  });

  it.each([
    ['cut inside a string', "INSERT INTO `t` VALUES (1,'abc"],
    ['cut between tuples', "INSERT INTO `t` VALUES\n(1,'a'),\n"],
    ['no trailer', 'INSERT INTO `t` VALUES (1);\n'],
  ])('a truncated dump is noticed: %s', (_name, body) => {
    const result = scan(HEADER + body, 7);
    expect(result.completed && !result.truncated).toBe(false);
  });

  it.each([
    ['-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)', true],
    ['-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)', true],
    ['-- orgbackup rows of table `t`', false],
    ['CREATE TABLE t (id int);', false],
  ])('isDumpHeader(%s) is %s', (line, expected) => {
    expect(isDumpHeader(line)).toBe(expected);
  });
});

describe('DEFINER clauses', () => {
  it.each([
    [
      '/*!50017 DEFINER=`root`@`127.0.0.1`*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1 */;;',
      '/*!50017 */ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1 */;;',
    ],
    ['CREATE DEFINER=`app`@`%` PROCEDURE `p`()', 'CREATE PROCEDURE `p`()'],
    ["/*!50013 DEFINER='a''b'@'localhost' SQL SECURITY DEFINER */", '/*!50013 SQL SECURITY DEFINER */'],
    ['/*!50013 DEFINER=`we``ird`@`%` SQL SECURITY DEFINER */', '/*!50013 SQL SECURITY DEFINER */'],
    ['CREATE TABLE `t` (`definer` int)', 'CREATE TABLE `t` (`definer` int)'],
  ])('%s', (line, expected) => {
    expect(stripDefiners(line)).toBe(expected);
  });

  it('leaves table data alone, one-line and one-tuple-per-line INSERTs alike', async () => {
    const input = [
      "INSERT INTO `t` VALUES (1,'DEFINER=`root`@`%` in data');",
      'INSERT INTO `t` VALUES',
      "(2,'DEFINER=`x`@`y` again'),",
      "(3,'z');",
      'CREATE DEFINER=`root`@`%` FUNCTION f() RETURNS INT RETURN 1;',
      '',
    ].join('\n');
    for (const size of [1, 5, 1024]) {
      const chunks = [];
      const bytes = Buffer.from(input);
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const out: Buffer[] = [];
      for await (const chunk of Readable.from(chunks).pipe(new DefinerStripper())) out.push(chunk as Buffer);
      expect(Buffer.concat(out).toString()).toBe(input.replace('CREATE DEFINER=`root`@`%` FUNCTION', 'CREATE FUNCTION'));
    }
  });
});

describe('rows values', () => {
  it.each([
    ['blob', Buffer.from([0, 0x27, 0x5c]), '0x00275c'],
    ['varbinary', Buffer.alloc(0), "''"],
    ['bigint', Buffer.from('42'), '42'],
    ['decimal', Buffer.from('-1.50'), '-1.50'],
    ['varchar', Buffer.from('it\'s a \\ path\n\u0000\u001a"x"'), "'it\\'s a \\\\ path\\n\\0\\Z\\\"x\\\"'"],
    ['enum', Buffer.from('pro'), "'pro'"],
    ['json', Buffer.from('{"a": "✓"}'), '\'{\\"a\\": \\"✓\\"}\''],
    ['datetime', null, 'NULL'],
  ])('%s %j -> %s', (type, value, sql) => {
    expect(encodeValue(value, valueKind(type)).toString('utf8')).toBe(sql);
  });
});

describe('server facts', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1', 'mariadb'],
    ['mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)', 'mariadb'],
    ['8.0.36', 'mysql'],
    ['mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)', 'mysql'],
  ])('flavourOf(%s) = %s', (text, flavour) => {
    expect(flavourOf(text)).toBe(flavour);
  });

  it.each([
    ['root@127.0.0.1', "'root'@'127.0.0.1'"],
    ['backup@%', "'backup'@'%'"],
    ["o'neil@db", "'o''neil'@'db'"],
  ])('grantee(%s) = %s', (user, expected) => {
    expect(grantee(user)).toBe(expected);
  });
});
