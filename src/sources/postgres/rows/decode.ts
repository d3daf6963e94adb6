/** `diff` reading a PostgreSQL rows entry: COPY text, one row per line (export/values.ts decodes a line). */
import type { Readable } from 'node:stream';
import { linesOf, type RowCells, type RowsDecoder } from '../../rows/decoder.js';
import { parseCopyLine } from '../export/values.js';

async function* copyRows(plain: Readable): AsyncGenerator<RowCells> {
  for await (const line of linesOf(plain)) yield parseCopyLine(line);
}

export const postgresRowsDecoder: RowsDecoder = { rows: copyRows };
