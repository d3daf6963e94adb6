import type { ChalkInstance } from 'chalk';
import type { VerifyResult } from '../../commands/verify.js';
import { table } from './format.js';
import { formatBytes } from '../../util/bytes.js';

export function renderVerify(result: VerifyResult, c: ChalkInstance): string {
  const parts = (result.parts ?? []).map((p) => `${c.gray('part:')} storage "${p.storage}": tenants of part ${p.index}/${p.count}\n`).join('');
  if (result.archives.length === 0) return `${parts}no archives to verify\n`;
  const rows = result.archives.map((a) => [
    a.status === 'ok' ? c.green('ok') : c.red(`failed (level ${a.failedLevel})`),
    a.id,
    a.storage,
    formatBytes(a.size),
    a.levels.join(','),
    a.error ? c.red(a.error) : '',
  ]);
  const hints = result.archives.filter((a) => a.status !== 'ok' && a.hint).map((a) => `${c.gray('hint:')} ${a.id}: ${a.hint}\n`);
  return parts + table(['STATUS', 'ARCHIVE', 'STORAGE', 'SIZE', 'LEVELS', 'ERROR'], rows) + hints.join('');
}
