/**
 * What `diff` needs from an engine to read a rows-mode entry without a database: the rows of one
 * (decompressed) entry as each column's value in the engine's text form, null for NULL, in the
 * entry's column order (the plan's `columns`). Which tables and entries an archive holds is
 * engine-neutral (the manifest's `details.plan` and `details.entries`, see rowsTablesOf).
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { PlannedTable, RowsPlan } from './plan.js';

export type RowCells = (string | null)[];

export interface RowsDecoder {
  rows(plain: Readable): AsyncIterable<RowCells>;
}

/** A rows archive's (or a fresh dump's) tables with the entry that holds each one. */
export interface RowsTable {
  table: PlannedTable;
  entry: string;
}

/** The planned tables of a rows manifest's `details` that have an entry; undefined when it has no plan. */
export function rowsTablesOf(details: Record<string, unknown> | undefined): RowsTable[] | undefined {
  const plan = details?.plan as RowsPlan | undefined;
  const entries = details?.entries as Record<string, string> | undefined;
  if (!plan?.tables || !entries) return undefined;
  return plan.tables.filter((t) => typeof entries[t.table] === 'string').map((t) => ({ table: t, entry: entries[t.table]! }));
}

/** The lines of a UTF-8 stream (without their newline; a last line without one counts too). */
export async function* linesOf(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const lines = (rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}
