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
    a.status === 'ok' ? c.green('ok') : a.status === 'partial' ? c.yellow('partial') : c.red('failed'),
    archiveCell(a),
    formatBytes(a.size),
    a.rows === undefined ? '-' : String(a.rows),
    formatDuration(a.durationMs),
    a.error ? c.red(a.error.split('\n')[0] ?? '') : '',
  ]);
  return table(['STATUS', 'ARCHIVE', 'SIZE', 'ROWS', 'TIME', 'ERROR'], rows);
}

/** A tenant whose id could not name an archive has no archive id: show its source and id. */
export function archiveCell(a: { id: string; source: string; tenant: string }): string {
  return a.id || `${a.source}/${JSON.stringify(a.tenant)}`;
}
