/**
 * What a restore test found against what the manifest recorded at backup time: per-table row
 * counts, per-table order-independent row digests where both sides have one (rows mode: the
 * restored rows may come back in another order than they were archived in), and for files
 * archives the number of files and bytes. Pure, so it is tested with tables of cases.
 */
import type { Sidecar, TableInfo } from '../archive/manifest.js';
import type { Observation } from './scratch/types.js';

export function compareRestored(sidecar: Pick<Sidecar, 'tables' | 'details'>, observed: Observation): string[] {
  const problems: string[] = [];
  if (observed.tables) problems.push(...compareTables(sidecar.tables, observed.tables));
  if (observed.files) problems.push(...compareFiles(sidecar.details, observed.files));
  return problems;
}

function compareTables(expected: readonly TableInfo[], observed: readonly TableInfo[]): string[] {
  const problems: string[] = [];
  const found = new Map(observed.map((t) => [t.name, t]));
  for (const table of expected) {
    const got = found.get(table.name);
    if (!got) problems.push(`${table.name}: in the manifest (${table.rows} rows), missing after restore`);
    else if (got.rows !== table.rows) problems.push(`${table.name}: ${table.rows} rows in the manifest, ${got.rows} restored`);
    else if (table.digest && got.digest && table.digest !== got.digest) problems.push(`${table.name}: the restored rows differ from the archived ones (same count, other contents)`);
  }
  return problems;
}

function compareFiles(details: Record<string, unknown> | undefined, found: { count: number; bytes: number }): string[] {
  const problems: string[] = [];
  const files = Number(details?.files ?? NaN);
  const bytes = Number(details?.bytes ?? NaN);
  if (!Number.isNaN(files) && files !== found.count) problems.push(`files: ${files} in the manifest, ${found.count} restored`);
  if (!Number.isNaN(bytes) && bytes !== found.bytes) problems.push(`bytes: ${bytes} in the manifest, ${found.bytes} restored`);
  return problems;
}
