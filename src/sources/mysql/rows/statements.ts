/**
 * What a MySQL rows entry may hold, checked line by line before anything reaches the server.
 * Archives come back from storage others can write, so an entry is never replayed as it is: each
 * line must be exactly what InsertWriter (sql.ts) writes for that entry's table -- its header
 * comment, its session settings, its trailer, or `INSERT INTO <that table> (<its planned columns>)
 * VALUES` followed by tuples of plain literals (NULL, numbers, 0x hex, quoted strings) and `;`.
 * Anything else (another table, another column list, a second statement, a function call or a
 * subquery as a value) is refused. The literal tuples are then sent into the staging table only.
 */
import { VerificationError } from '../../../errors.js';
import type { PlannedTable } from '../../rows/plan.js';
import { quoteMysqlIdent } from '../connection.js';
import { columnList } from './sql.js';

/** The session lines InsertWriter puts after its header (the restore sets its own session). */
const SESSION_LINES = new Set(['/*!40101 SET NAMES utf8mb4 */;', "SET time_zone = '+00:00';", "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';", 'SET foreign_key_checks = 0;']);

export interface EntryStatements {
  /** The INSERT of `line`'s tuples into `stage`, or undefined for a line that loads nothing. */
  toStage(line: string, lineNumber: number): string | undefined;
}

export function entryStatements(entry: string, table: Pick<PlannedTable, 'name' | 'columns'>, stage: string): EntryStatements {
  const prefix = `INSERT INTO ${quoteMysqlIdent(table.name)} (${columnList(table.columns)}) VALUES `;
  const staged = `INSERT INTO ${stage} (${columnList(table.columns)}) VALUES `;
  return {
    toStage(line, lineNumber) {
      if (line === '' || line.startsWith('-- ') || SESSION_LINES.has(line)) return undefined;
      if (line.startsWith(prefix) && literalTuples(line, prefix.length, table.columns.length)) return staged + line.slice(prefix.length);
      const shown = line.length > 80 ? `${line.slice(0, 80)}...` : line;
      throw new VerificationError(`entry ${entry}, line ${lineNumber}, is not an INSERT of plain values into ${table.name} (${JSON.stringify(shown)}); nothing was restored`, {
        hint: 'the archive was altered after it was written; use another archive',
      });
    },
  };
}

/** Whether `text` from `from` is `(v,...),(v,...);` with `width` plain literals per tuple and nothing after. */
export function literalTuples(text: string, from: number, width: number): boolean {
  let i = from;
  for (;;) {
    if (text[i] !== '(') return false;
    i++;
    for (let n = 0; n < width; n++) {
      if (n > 0 && text[i++] !== ',') return false;
      i = literalEnd(text, i);
      if (i < 0) return false;
    }
    if (text[i++] !== ')') return false;
    if (text[i] === ',') {
      i++;
      continue;
    }
    return text[i] === ';' && i === text.length - 1;
  }
}

const NUMBER = /-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?/y;
const HEX = /0x[0-9a-fA-F]+/y;

/** The index after the literal at `i`, or -1 when there is none: NULL, a number, 0x hex or a quoted string. */
function literalEnd(text: string, i: number): number {
  if (text.startsWith('NULL', i)) return i + 4;
  if (text[i] === "'") return quotedEnd(text, i);
  for (const pattern of [HEX, NUMBER]) {
    pattern.lastIndex = i;
    if (pattern.test(text)) return pattern.lastIndex;
  }
  return -1;
}

/** A single-quoted string with backslash escapes (quoteBytes in sql.ts); the index after its closing quote. */
function quotedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x27) return i + 1;
  }
  return -1;
}
