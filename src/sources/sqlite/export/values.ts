/**
 * SQLite values in `export`. SQLite types values, not columns (a column without a declared type,
 * or with any affinity, may hold integers, reals, text and blobs side by side), so each cell is read
 * with its storage class and carried as `<class letter>:<text>`: `i:42`, `r:0.5`, `t:hello`, `b:00ff`
 * (blob as hex). Every format writes the value as its class says, never by guessing from the
 * declared type; index.json's `json` kind is the declared type's affinity, for orientation.
 */
import { DAMAGED_ARCHIVE_HINT, VerificationError } from '../../../errors.js';
import { quoteSqliteIdent, quoteSqliteString } from '../cli.js';

type StorageClass = 'i' | 'r' | 't' | 'b';

function split(cell: string): { kind: StorageClass; text: string } {
  const kind = cell[0];
  if ((kind !== 'i' && kind !== 'r' && kind !== 't' && kind !== 'b') || cell[1] !== ':')
    throw new VerificationError(`internal: a SQLite export cell without its storage class: ${JSON.stringify(cell.slice(0, 20))}`, { hint: DAMAGED_ARCHIVE_HINT });
  return { kind, text: cell.slice(2) };
}

/** `typeof(x)` and the hex of its bytes (as the query in export/exporter.ts reads them) -> a cell. */
export function cellOf(storageClass: string, hex: string, encoding: BufferEncoding): string | null {
  const bytes = Buffer.from(hex, 'hex');
  switch (storageClass) {
    case 'null':
      return null;
    case 'integer':
      return `i:${bytes.toString('latin1')}`;
    case 'real':
      return `r:${bytes.toString('latin1')}`;
    case 'text':
      return `t:${bytes.toString(encoding)}`;
    case 'blob':
      return `b:${hex.toLowerCase()}`;
    default:
      throw new VerificationError(`an archived SQLite value has an unknown storage class "${storageClass}"`, { hint: DAMAGED_ARCHIVE_HINT });
  }
}

/** Integers beyond 2^53 and the infinities are JSON strings, so no reader rounds them. */
function jsonNumber(text: string): string {
  if (!/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)) return JSON.stringify(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return JSON.stringify(text);
  return text;
}

export function csvValue(cell: string): string {
  const { kind, text } = split(cell);
  return kind === 'b' ? `0x${text}` : text;
}

export function jsonValue(cell: string): string {
  const { kind, text } = split(cell);
  if (kind === 'i' || kind === 'r') return jsonNumber(text);
  if (kind === 'b') return JSON.stringify(Buffer.from(text, 'hex').toString('base64'));
  return JSON.stringify(text);
}

export function sqlLiteral(cell: string): string {
  const { kind, text } = split(cell);
  if (kind === 'b') return `X'${text}'`;
  // SQLite's parser ends a statement's text at NUL: such text goes as its UTF-8 bytes.
  if (kind === 't') return text.includes('\0') ? `CAST(X'${Buffer.from(text, 'utf8').toString('hex')}' AS TEXT)` : quoteSqliteString(text);
  if (text === 'Inf') return '9e999';
  if (text === '-Inf') return '-9e999';
  // The smallest integer has no literal: its digits alone overflow to a real before the minus applies.
  if (text === '-9223372036854775808') return '(-9223372036854775807 - 1)';
  return text;
}

/** SQLite's affinity rules (https://www.sqlite.org/datatype3.html, 3.1), as a JSON kind. */
export function jsonKind(type: string): string {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'number';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'string';
  if (t.includes('BLOB') || t === '') return 'any';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'number';
  return 'any';
}

export const quoteSqliteName = quoteSqliteIdent;

export const SQLITE_SQL_PREAMBLE = 'PRAGMA foreign_keys = OFF;\n';

export const SQLITE_CONVENTIONS = {
  csv: 'header row; every value quoted; NULL is an empty unquoted field, an empty string is ""; each value as SQLite stores it (integers, reals with full precision, text), blobs as 0x hex',
  ndjson: "one JSON object per line; NULL is null; each value by its storage class, not the column's declared type: integers and reals are numbers (beyond 2^53 a string), text a string, blobs base64",
  sql: "INSERT statements with each value's own storage class (blobs as X'..'), foreign keys off while loading",
};
