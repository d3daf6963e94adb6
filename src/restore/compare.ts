/**
 * What a restore test found against what the manifest recorded at backup time: per-table row
 * counts, per-table order-independent row digests where both sides have one (rows mode: the
 * restored rows may come back in another order than they were archived in), the database's
 * encoding and locale where both sides have them (PostgreSQL), the database's default charset and
 * each table's collation (MySQL/MariaDB; not the database's default collation, which a server of
 * the other flavour may not know and which the scratch then takes from the charset), and for files
 * archives the number of files and bytes. Pure, so it is tested with tables of cases.
 */
import type { DatabaseLocale, Sidecar, TableInfo } from '../archive/manifest.js';
import type { Observation } from '../sources/scratch.js';

export function compareRestored(sidecar: Pick<Sidecar, 'tables' | 'details'> & { source?: Pick<Sidecar['source'], 'locale'> }, observed: Observation): string[] {
  const problems: string[] = [];
  if (sidecar.source?.locale && observed.locale) problems.push(...compareLocale(sidecar.source.locale, observed.locale));
  if (observed.charset && typeof sidecar.details?.charset === 'string' && sidecar.details.charset !== observed.charset.charset) {
    problems.push(`database charset: ${sidecar.details.charset} in the manifest, ${observed.charset.charset} restored`);
  }
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
    if (got && typeof table.collation === 'string' && got.collation && table.collation !== got.collation) {
      problems.push(`${table.name}: collation ${table.collation} in the manifest, ${got.collation} restored`);
    }
  }
  return problems;
}

function compareLocale(expected: DatabaseLocale, observed: DatabaseLocale): string[] {
  const fields = ['encoding', 'collate', 'ctype', 'provider', 'locale'] as const;
  const names = { encoding: 'encoding', collate: 'collation', ctype: 'ctype', provider: 'locale provider', locale: 'provider locale' };
  return fields
    .filter((f) => (expected[f] ?? '') !== (observed[f] ?? ''))
    .map((f) => {
      const shown = (v: string | undefined) => v ?? (f === 'provider' ? 'libc' : 'none');
      return `database ${names[f]}: ${shown(expected[f])} in the manifest, ${shown(observed[f])} restored`;
    });
}

function compareFiles(details: Record<string, unknown> | undefined, found: { count: number; bytes: number }): string[] {
  const problems: string[] = [];
  const files = Number(details?.files ?? NaN);
  const bytes = Number(details?.bytes ?? NaN);
  if (!Number.isNaN(files) && files !== found.count) problems.push(`files: ${files} in the manifest, ${found.count} restored`);
  if (!Number.isNaN(bytes) && bytes !== found.bytes) problems.push(`bytes: ${bytes} in the manifest, ${found.bytes} restored`);
  return problems;
}
