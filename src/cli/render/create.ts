import type { ChalkInstance } from 'chalk';
import type { CreateResult } from '../../commands/create.js';
import { formatDuration, table } from './format.js';
import { formatBytes } from '../../util/bytes.js';

export function renderCreate(result: CreateResult, c: ChalkInstance): string {
  if (result.dryRun) {
    const rows = (result.planned ?? []).map((p) => [p.source, p.tenant, p.tenantName ?? '']);
    const paths = (result.paths ?? []).map((p) => [p.source, p.path]);
    const plan = paths.length > 0 ? '\nhow each table is tied to the tenant (tenants.paths chooses):\n' + table(['SOURCE', 'TABLE -> FOREIGN KEY -> ... -> TENANT'], paths) : '';
    return `would back up ${rows.length} tenant(s) to ${result.storages.join(', ')}:\n` + table(['SOURCE', 'TENANT', 'NAME'], rows) + plan;
  }
  if (result.archives.length === 0) return 'no tenants to back up\n';
  const rows = result.archives.map((a) => [
    a.status === 'ok' ? c.green('ok') : a.status === 'partial' || a.status === 'limited' ? c.yellow(a.status) : c.red('failed'),
    archiveCell(a),
    formatBytes(a.size),
    a.rows === undefined ? '-' : String(a.rows),
    formatDuration(a.durationMs),
    detail(a, c),
  ]);
  return table(['STATUS', 'ARCHIVE', 'SIZE', 'ROWS', 'TIME', 'DETAIL'], rows) + failureHints(result.archives, c);
}

/**
 * What to do about each failure, once per distinct hint: a full storage fails every tenant after
 * the first with the same advice, which one line says as well as a hundred.
 */
function failureHints(archives: CreateResult['archives'], c: ChalkInstance): string {
  const byHint = new Map<string, string[]>();
  for (const a of archives) if (a.status !== 'ok' && a.hint) byHint.set(a.hint, [...(byHint.get(a.hint) ?? []), archiveCell(a)]);
  return [...byHint].map(([hint, ids]) => `${c.gray('hint:')} ${ids[0]}${ids.length > 1 ? ` (and ${ids.length - 1} more)` : ''}: ${hint}\n`).join('');
}

/** The error, else why the plan limits stopped the tenant, else what limits it was stored over. */
function detail(a: CreateResult['archives'][number], c: ChalkInstance): string {
  if (a.error) return c.red(a.error.split('\n')[0] ?? '');
  if (a.reason) return c.yellow(a.reason);
  if (a.warnings) return c.yellow(`warning: ${a.warnings.join('; ')}`);
  if (a.limitsIgnored) return c.yellow(`over limits, ignored (--ignore-limits): ${a.limitsIgnored.join('; ')}`);
  return '';
}

/** A tenant whose id could not name an archive has no archive id: show its source and id. */
export function archiveCell(a: { id: string; source: string; tenant: string }): string {
  return a.id || `${a.source}/${JSON.stringify(a.tenant)}`;
}
