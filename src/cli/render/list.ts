import type { ChalkInstance } from 'chalk';
import type { ListResult, StaleTenant } from '../../commands/list.js';
import { blockTable, formatAge, table } from './format.js';
import { formatBytes } from '../../util/bytes.js';

export function renderList(result: ListResult, c: ChalkInstance): string {
  if (result.stale) {
    const unchecked = (result.unchecked ?? []).map((u) => c.red(`source ${u.source} not checked: ${u.error.split('\n')[0] ?? ''}\n`)).join('');
    if (result.stale.length === 0) return unchecked + (unchecked ? '' : c.green('no stale tenants\n'));
    return unchecked + blockTable(STALE_HEADER, result.stale, (s) => staleRow(s, c));
  }
  if (result.usage) return renderUsage(result.usage, result.unchecked ?? [], c);
  if (result.archives.length === 0) return 'no archives\n';
  return listTable(result.archives, c);
}

const STALE_HEADER = ['SOURCE', 'TENANT', 'STORAGE', 'AGE', 'NEWEST'];

function staleRow(s: StaleTenant, c: ChalkInstance): string[] {
  return [s.source, s.tenant, s.storage, s.ageHours === undefined ? c.red('never') : formatAge(s.ageSeconds ?? s.ageHours * 3600), s.newest ?? '-'];
}

/** The table of stale tenants of one block of a streamed `list --stale` (src/cli/render/stream.ts). */
export function staleTable(stale: StaleTenant[], c: ChalkInstance): string {
  return table(
    STALE_HEADER,
    stale.map((s) => staleRow(s, c)),
  );
}

/** The table of archives (also of each block of a streamed list, src/cli/render/stream.ts). */
export function listTable(archives: ListResult['archives'], c: ChalkInstance): string {
  const long = archives.some((a) => a.trigger !== undefined);
  const categories = archives.some((a) => a.categories !== undefined);
  const holds = archives.some((a) => a.hold !== undefined);
  const header = ['ARCHIVE', 'STORAGE', 'SIZE', ...(long ? ['TRIGGER', 'ROWS', 'LABELS'] : []), ...(categories ? ['CATEGORIES'] : []), ...(holds ? ['HOLD'] : [])];
  const rows = archives.map((a) => [
    a.id + (a.encrypted ? c.gray(' (age)') : '') + (a.held ? c.yellow(' (held)') : ''),
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
    ...(holds ? [holdCell(a.hold)] : []),
  ]);
  return table(header, rows);
}

function holdCell(hold: ListResult['archives'][number]['hold']): string {
  if (!hold) return '';
  if (hold.unreadable) return `held, reason unreadable (${hold.unreadable})`;
  return `${JSON.stringify(hold.reason)} by ${hold.actor ?? hold.heldBy ?? '?'} at ${hold.heldAt ?? '?'}`;
}

const LIMIT_LABEL = { maxArchivesPerMonth: 'archives/month', maxTenantStorage: 'storage', maxArchiveSize: 'archive size' } as const;

/** One line per tenant, storage and limit (a tenant whose plan has no limits: one line, LIMIT "-"). */
function renderUsage(usage: NonNullable<ListResult['usage']>, unchecked: NonNullable<ListResult['unchecked']>, c: ChalkInstance): string {
  const warnings = unchecked.map((u) => c.yellow(`source ${u.source}: plans unknown: ${u.error.split('\n')[0] ?? ''}\n`)).join('');
  if (usage.length === 0) return warnings + 'no tenants\n';
  const rows = usage.flatMap((u) => {
    const base = [`${u.source}/${u.tenant}`, u.storage, u.plan ?? '-', String(u.archives), `${u.archivesThisMonth} (${u.month})`, formatBytes(u.bytes)];
    if (u.limits.length === 0) return [[...base, '-', '', '']];
    return u.limits.map((m) => {
      const bytes = m.limit !== 'maxArchivesPerMonth';
      const shown = `${bytes ? formatBytes(m.used) : m.used} of ${bytes ? formatBytes(m.max) : m.max}`;
      const percent = `${m.percent}%`;
      return [...base, `${LIMIT_LABEL[m.limit]}${u.mode === 'warn' ? ' (warn)' : ''}`, shown, m.percent >= 100 ? c.red(percent) : m.percent > 80 ? c.yellow(percent) : percent];
    });
  });
  return warnings + table(['TENANT', 'STORAGE', 'PLAN', 'ARCHIVES', 'THIS MONTH (UTC)', 'STORED', 'LIMIT', 'USED', '%'], rows);
}
