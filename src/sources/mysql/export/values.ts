/**
 * MySQL/MariaDB values in `export`: rows arrive as INSERT statements (rows-mode entries and
 * mysqldump's SQL write the same literals: NULL, bare numbers, `0x..` hex for binary, bit and
 * spatial values under --hex-blob, quoted strings with backslash escapes). A statement is parsed
 * here into each column's text form, a binary value kept as `0x<hex>`, and turned into JSON by
 * the column's type (COLUMN_TYPE from the manifest's schema fingerprint) or into an SQL literal.
 */
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';

const BINARY = /^(binary|varbinary|tinyblob|blob|mediumblob|longblob|bit|geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)\b/;
const JSON_NUMBER = /^(tinyint|smallint|mediumint|int|integer|float|double|real)\b/;
const EXACT_NUMBER = /^(bigint|decimal|numeric|dec|fixed)\b/;
const UNESCAPE: Record<string, string> = { '0': '\0', n: '\n', r: '\r', t: '\t', b: '\b', Z: '\x1a' };
const ESCAPE: Record<string, string> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '\\': '\\\\' };

export interface ParsedInsert {
  table: string;
  /** The statement's column list; undefined when it has none (mysqldump without --complete-insert). */
  columns?: string[];
  rows: (string | null)[][];
}

/** One whole `INSERT INTO `t` [(`a`,..)] VALUES (..),(..);` statement. */
export function parseInsert(statement: string): ParsedInsert {
  let at = 'INSERT INTO '.length;
  const fail = (why: string) => new VerificationError(`archived INSERT statement cannot be read (${why}) near ${JSON.stringify(statement.slice(at, at + 60))}`, { hint: DAMAGED_ARCHIVE_HINT });
  const ident = (): string => {
    if (statement[at] !== '`') throw fail('expected a `name`');
    const end = findIdentEnd(statement, at + 1);
    if (end < 0) throw fail('unterminated `name`');
    const name = statement.slice(at + 1, end).replace(/``/g, '`');
    at = end + 1;
    return name;
  };
  const skipBlanks = () => {
    while (/\s/.test(statement[at] ?? '')) at++;
  };
  const table = ident();
  skipBlanks();
  let columns: string[] | undefined;
  if (statement[at] === '(') {
    columns = [];
    at++;
    for (;;) {
      columns.push(ident());
      if (statement[at] === ',') at++;
      else if (statement[at] === ')') break;
      else throw fail('bad column list');
    }
    at++;
    skipBlanks();
  }
  if (statement.slice(at, at + 6) !== 'VALUES') throw fail('expected VALUES');
  at += 6;
  const rows: (string | null)[][] = [];
  for (;;) {
    skipBlanks();
    if (statement[at] !== '(') throw fail('expected (');
    at++;
    const row: (string | null)[] = [];
    for (;;) {
      const [value, next] = readValue(statement, at, fail);
      row.push(value);
      at = next;
      if (statement[at] === ',') at++;
      else if (statement[at] === ')') break;
      else throw fail('expected , or )');
    }
    at++;
    rows.push(row);
    skipBlanks();
    if (statement[at] === ',') at++;
    else if (statement[at] === ';') break;
    else throw fail('expected , or ;');
  }
  at++;
  skipBlanks();
  if (at < statement.length) throw fail('text after the statement');
  return { table, ...(columns ? { columns } : {}), rows };
}

function findIdentEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] !== '`') continue;
    if (text[i + 1] === '`') i++;
    else return i;
  }
  return -1;
}

function readValue(text: string, at: number, fail: (why: string) => Error): [string | null, number] {
  if (text.startsWith('NULL', at)) return [null, at + 4];
  if (text.startsWith('_binary ', at)) return binaryString(text, at + 8, fail);
  const c = text[at];
  if (c === "'") return readString(text, at, fail);
  if ((c === 'X' || c === 'x') && text[at + 1] === "'") {
    const end = text.indexOf("'", at + 2);
    return [`0x${text.slice(at + 2, end).toLowerCase()}`, end + 1];
  }
  if (c === 'b' && text[at + 1] === "'") {
    const end = text.indexOf("'", at + 2);
    const bits = text.slice(at + 2, end);
    return [`0x${bitsToHex(bits)}`, end + 1];
  }
  const m = /^(0x[0-9A-Fa-f]*|[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)/.exec(text.slice(at, at + 200));
  if (!m) throw fail('unknown value');
  return [m[1]!.startsWith('0x') ? m[1]!.toLowerCase() : m[1]!, at + m[1]!.length];
}

function binaryString(text: string, at: number, fail: (why: string) => Error): [string, number] {
  const [value, next] = readString(text, at, fail);
  return [`0x${Buffer.from(value, 'utf8').toString('hex')}`, next];
}

function bitsToHex(bits: string): string {
  let value = 0n;
  for (const bit of bits) value = value * 2n + (bit === '1' ? 1n : 0n);
  const hex = value.toString(16);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

function readString(text: string, at: number, fail: (why: string) => Error): [string, number] {
  let out = '';
  let i = at + 1;
  let from = i;
  for (;;) {
    if (i >= text.length) throw fail('unterminated string');
    const c = text[i];
    if (c === '\\') {
      out += text.slice(from, i) + (UNESCAPE[text[i + 1]!] ?? text[i + 1]);
      i += 2;
      from = i;
    } else if (c === "'") {
      if (text[i + 1] !== "'") break;
      out += text.slice(from, i + 1);
      i += 2;
      from = i;
    } else i++;
  }
  return [out + text.slice(from, i), i + 1];
}

type Kind = 'number' | 'string' | 'json' | 'base64' | 'timestamp';

export function jsonKind(type: string): Kind {
  const t = type.toLowerCase();
  if (BINARY.test(t)) return 'base64';
  if (JSON_NUMBER.test(t)) return 'number';
  if (t === 'json') return 'json';
  if (/^(datetime|timestamp)\b/.test(t)) return 'timestamp';
  return 'string';
}

export function isBinary(type: string): boolean {
  return BINARY.test(type.toLowerCase());
}

/** A binary column's cell as hex digits: `0x..` from the dump, or '' (an empty value is written ''). */
function hexOf(text: string): string {
  return text.startsWith('0x') ? text.slice(2) : Buffer.from(text, 'utf8').toString('hex');
}

export function csvValue(text: string, type: string): string {
  return isBinary(type) ? `0x${hexOf(text)}` : text;
}

export function jsonValue(text: string, type: string): string {
  switch (jsonKind(type)) {
    case 'number':
      return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) ? text : JSON.stringify(text);
    case 'json':
      return text.replace(/[\r\n]+/g, ' ');
    case 'base64':
      return JSON.stringify(Buffer.from(hexOf(text), 'hex').toString('base64'));
    case 'timestamp':
      return JSON.stringify(isoTimestamp(text, type));
    default:
      return JSON.stringify(text);
  }
}

/**
 * `2026-01-02 03:04:05.5` -> `2026-01-02T03:04:05.5`; a TIMESTAMP (stored as an instant, read and
 * dumped in UTC: the dumps set time_zone '+00:00') gets `+00:00`. Zero dates stay as they are.
 */
function isoTimestamp(text: string, type: string): string {
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text) || text.startsWith('0000-')) return text;
  return `${text.replace(' ', 'T')}${type.toLowerCase().startsWith('timestamp') ? '+00:00' : ''}`;
}

export function sqlLiteral(text: string, type: string): string {
  const t = type.toLowerCase();
  if (isBinary(t)) {
    const hex = hexOf(text);
    return hex === '' ? "''" : `0x${hex}`;
  }
  if ((JSON_NUMBER.test(t) || EXACT_NUMBER.test(t)) && /^[-+]?[0-9.]+(e[-+]?[0-9]+)?$/i.test(text)) return text;
  // The control characters mysqldump escapes (NUL, CR, LF, Ctrl-Z), quotes and backslashes.
  // eslint-disable-next-line no-control-regex
  return `'${text.replace(/[\0\n\r\x1a'\\]/g, (c) => ESCAPE[c]!)}'`;
}

export function quoteMysqlName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export const MYSQL_SQL_PREAMBLE = "/*!40101 SET NAMES utf8mb4 */;\nSET time_zone = '+00:00';\nSET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\nSET foreign_key_checks = 0;\n";

export const MYSQL_CONVENTIONS = {
  csv: 'header row; every value quoted; NULL is an empty unquoted field, an empty string is ""; values in the server text form (TIMESTAMP in UTC), binary, bit and spatial values as 0x hex',
  ndjson:
    'one JSON object per line; NULL is null; bigint and decimal are strings (exact); JSON columns embedded as is (MariaDB keeps JSON as longtext: a string); binary base64; DATETIME ISO 8601 without zone, TIMESTAMP with +00:00',
  sql: 'INSERT statements of the archived literals (binary in hex), with the session settings they were read with (utf8mb4, time_zone +00:00, foreign_key_checks 0)',
};
