import type { ChalkInstance } from 'chalk';
import type { VerifyResult } from '../../commands/verify.js';
import { table } from './format.js';
import { formatBytes } from '../../util/bytes.js';

export function renderVerify(result: VerifyResult, c: ChalkInstance): string {
  const parts = renderVerifyTail(result, c);
  if (result.archives.length === 0) return `${parts}no archives to verify\n`;
  return parts + verifyTable(result.archives, c);
}

/** The table with the hints of failed archives (also of each block of a streamed verify, src/cli/render/stream.ts). */
export function verifyTable(archives: VerifyResult['archives'], c: ChalkInstance): string {
  const rows = archives.map((a) => [
    a.status === 'ok' ? c.green('ok') : c.red(`failed (level ${a.failedLevel})`),
    a.id,
    a.storage,
    formatBytes(a.size),
    a.levels.join(','),
    a.error ? c.red(a.error) : '',
  ]);
  const hints = archives.filter((a) => a.status !== 'ok' && a.hint).map((a) => `${c.gray('hint:')} ${a.id}: ${a.hint}\n`);
  return table(['STATUS', 'ARCHIVE', 'STORAGE', 'SIZE', 'LEVELS', 'ERROR'], rows) + hints.join('');
}

/** Which part of the tenants each storage's --subset/--sample run covered (after a streamed table). */
export function renderVerifyTail(result: VerifyResult, c: ChalkInstance): string {
  return (result.parts ?? []).map((p) => `${c.gray('part:')} storage "${p.storage}": tenants of part ${p.index}/${p.count}\n`).join('');
}
