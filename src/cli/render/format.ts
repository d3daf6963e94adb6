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

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
