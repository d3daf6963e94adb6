/**
 * `diff` of one table between two sets of its rows (two archives, or an archive and a fresh read of
 * the live rows), engine-neutral. Rows are matched by primary key: a key only on the "to" side is
 * added, only on the "from" side removed, on both with other values changed. A table without a
 * primary key (or whose key differs between the sides) is compared as a multiset of whole rows:
 * a row that changed counts as one removed and one added, and no sample keys are given (a whole
 * row is not a key, and may be long or sensitive). Values are compared by column name, so the
 * same rows with their columns in another order are equal.
 */
import { createHash } from 'node:crypto';
import type { RowCells } from './decoder.js';

export interface TableRows {
  columns: string[];
  primaryKey: string[];
  rows: AsyncIterable<RowCells>;
}

export interface TableDiff {
  /** False: compared as whole rows (no usable primary key). */
  keyed: boolean;
  primaryKey: string[];
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** Up to `samples` keys of each kind, in key order (keyed tables only). */
  samples: { added: string[]; removed: string[]; changed: string[] };
}

/** Reads each row once: key -> digest of its values (keyed) or digest -> how many times (whole rows). */
export async function indexRows(side: TableRows, key: string[] | undefined): Promise<Map<string, string | number>> {
  const order = side.columns.map((name, i) => ({ name, i })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const keyAt = key?.map((k) => side.columns.indexOf(k));
  const index = new Map<string, string | number>();
  for await (const cells of side.rows) {
    const digest = createHash('sha256')
      .update(JSON.stringify(order.map(({ name, i }) => [name, cells[i] ?? null])))
      .digest('base64');
    if (keyAt) index.set(formatKey(keyAt.map((i) => cells[i] ?? null)), digest);
    else index.set(digest, ((index.get(digest) as number | undefined) ?? 0) + 1);
  }
  return index;
}

/** A key as people read it: the value itself, or `(a, b)` for a composite key. */
export function formatKey(values: RowCells): string {
  const text = values.map((v) => (v === null ? 'NULL' : v));
  return text.length === 1 ? text[0]! : `(${text.join(', ')})`;
}

/** The primary key both sides share (and hold as columns); undefined when they have none in common. */
export function sharedKey(from: Pick<TableRows, 'columns' | 'primaryKey'>, to: Pick<TableRows, 'columns' | 'primaryKey'>): string[] | undefined {
  const key = from.primaryKey;
  if (key.length === 0 || key.join('\0') !== to.primaryKey.join('\0')) return undefined;
  return key.every((k) => from.columns.includes(k) && to.columns.includes(k)) ? key : undefined;
}

export function compareIndexes(from: Map<string, string | number>, to: Map<string, string | number>, key: string[] | undefined, samples: number): TableDiff {
  const result: TableDiff = { keyed: key !== undefined, primaryKey: key ?? [], added: 0, removed: 0, changed: 0, unchanged: 0, samples: { added: [], removed: [], changed: [] } };
  if (!key) return compareWholeRows(from as Map<string, number>, to as Map<string, number>, result);
  const kinds: Record<'added' | 'removed' | 'changed', string[]> = { added: [], removed: [], changed: [] };
  for (const [k, digest] of from) {
    const other = to.get(k);
    if (other === undefined) kinds.removed.push(k);
    else if (other !== digest) kinds.changed.push(k);
    else result.unchanged++;
  }
  for (const k of to.keys()) if (!from.has(k)) kinds.added.push(k);
  for (const kind of ['added', 'removed', 'changed'] as const) {
    result[kind] = kinds[kind].length;
    result.samples[kind] = kinds[kind].sort(byKey).slice(0, samples);
  }
  return result;
}

function compareWholeRows(from: Map<string, number>, to: Map<string, number>, result: TableDiff): TableDiff {
  for (const [digest, count] of from) {
    const other = to.get(digest) ?? 0;
    result.unchanged += Math.min(count, other);
    result.removed += Math.max(0, count - other);
  }
  for (const [digest, count] of to) result.added += Math.max(0, count - (from.get(digest) ?? 0));
  return result;
}

const collator = new Intl.Collator('en', { numeric: true });
function byKey(a: string, b: string): number {
  return collator.compare(a, b);
}
