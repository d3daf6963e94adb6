/**
 * `diff` reading a MySQL/MariaDB rows entry: the extended INSERT statements sql.ts writes, one
 * statement per line (values escape newlines), between comment and SET lines. Each tuple becomes
 * the columns' text through the same parser `export` uses (export/values.ts): strings unescaped,
 * numbers as written, binary values as `0x<hex>`, NULL null. Damage is refused there (exit 5).
 */
import type { Readable } from 'node:stream';
import { parseInsert } from '../export/values.js';
import { linesOf, type RowCells, type RowsDecoder } from '../../rows/decoder.js';

async function* insertRows(plain: Readable): AsyncGenerator<RowCells> {
  for await (const line of linesOf(plain)) {
    if (line.startsWith('INSERT INTO ')) yield* parseInsert(line).rows;
  }
}

export const mysqlRowsDecoder: RowsDecoder = { rows: insertRows };
