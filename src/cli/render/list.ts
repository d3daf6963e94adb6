import type { ChalkInstance } from 'chalk';
import type { ListResult } from '../../commands/list.js';
import { formatAge, table } from './format.js';
import { formatBytes } from '../../util/bytes.js';

export function renderList(result: ListResult, c: ChalkInstance): string {
  if (result.stale) {
    const unchecked = (result.unchecked ?? []).map((u) => c.red(`source ${u.source} not checked: ${u.error.split('\n')[0] ?? ''}\n`)).join('');
    if (result.stale.length === 0) return unchecked + (unchecked ? '' : c.green('no stale tenants\n'));
    return (
      unchecked +
      table(
        ['SOURCE', 'TENANT', 'STORAGE', 'AGE', 'NEWEST'],
        result.stale.map((s) => [s.source, s.tenant, s.storage, s.ageHours === undefined ? c.red('never') : formatAge(s.ageSeconds ?? s.ageHours * 3600), s.newest ?? '-']),
      )
    );
  }
  if (result.archives.length === 0) return 'no archives\n';
  const long = result.archives.some((a) => a.trigger !== undefined);
  const categories = result.archives.some((a) => a.categories !== undefined);
  const header = ['ARCHIVE', 'STORAGE', 'SIZE', ...(long ? ['TRIGGER', 'ROWS', 'LABELS'] : []), ...(categories ? ['CATEGORIES'] : [])];
  const rows = result.archives.map((a) => [
    a.id + (a.encrypted ? c.gray(' (age)') : ''),
    a.storage,
    formatBytes(a.size),
    ...(long
      ? [
          a.trigger ?? '',
          String(a.rows ?? ''),
          Object.entries(a.labels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        ]
      : []),
    ...(categories ? [(a.categories ?? []).join(',')] : []),
  ]);
  return table(header, rows);
}
