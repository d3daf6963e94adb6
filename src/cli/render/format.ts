export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** An archive's age: seconds under a minute, minutes under an hour, else hours (26h reads as a cron threshold does). */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}

/**
 * A plain text table: columns padded to their widest cell. Cells are one line each: a line break
 * left in data (printableResult keeps them for messages) is shown as `\n`, never a forged row.
 */
export function table(header: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map((cell) => cell.replace(/\n/g, '\\n')));
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c)))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Rows per block of a long table: columns are aligned within a block (a shorter table is one block). */
export const TEXT_BLOCK_ROWS = 1000;

/**
 * A table of many rows as blocks of TEXT_BLOCK_ROWS, its header once: the cells of one block at a
 * time, never the whole table's (issue 19: list --stale of 100,000 tenants).
 */
export function blockTable<T>(header: string[], items: readonly T[], row: (item: T) => string[]): string {
  let out = '';
  for (let i = 0; i < items.length; i += TEXT_BLOCK_ROWS) {
    const text = table(header, items.slice(i, i + TEXT_BLOCK_ROWS).map(row));
    out += i === 0 ? text : withoutHeader(text);
  }
  return out;
}

/** A later block of a table: its rows without the header line. */
export function withoutHeader(text: string): string {
  return text.slice(text.indexOf('\n') + 1);
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
