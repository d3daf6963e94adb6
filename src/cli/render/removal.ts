/** delete, forget, get and import results as text. */
import type { ChalkInstance } from 'chalk';
import type { DeleteResult } from '../../commands/delete.js';
import type { ForgetResult } from '../../commands/forget.js';
import type { GetResult } from '../../commands/get.js';
import type { ImportResult } from '../../commands/import.js';
import { formatBytes } from '../../util/bytes.js';
import { table } from './format.js';

type Removed = { id: string; storage: string; status: 'removed' | 'would-remove' | 'failed'; error?: string };

function removedTable(archives: readonly Removed[], sizes: (number | undefined)[], c: ChalkInstance): string {
  if (archives.length === 0) return 'no archives\n';
  const status = (a: Removed) => (a.status === 'failed' ? c.red('FAILED') : a.status === 'removed' ? c.yellow('removed') : c.cyan('would remove'));
  return table(
    ['STATUS', 'ARCHIVE', 'STORAGE', 'SIZE', 'ERROR'],
    archives.map((a, i) => [status(a), a.id, a.storage, formatBytes(sizes[i]), a.error ?? '']),
  );
}

export function renderDelete(result: DeleteResult, c: ChalkInstance): string {
  const s = result.summary;
  return `${removedTable(
    result.archives,
    result.archives.map((a) => a.size),
    c,
  )}${result.dryRun ? c.cyan('dry run: nothing was deleted. ') : ''}${s.removed} ${result.dryRun ? 'would be ' : ''}removed (${formatBytes(s.bytes)})${s.failed ? c.red(`, ${s.failed} failed`) : ''}\n`;
}

export function renderForget(result: ForgetResult, c: ChalkInstance): string {
  const s = result.summary;
  const key = result.tenantKey ? `the tenant has its own key (${result.tenantKey.configKey}: ${result.tenantKey.recipients.join(', ')}): destroy its identity and remove the entry\n` : '';
  return `${removedTable(
    result.archives,
    result.archives.map((a) => a.bytes),
    c,
  )}${result.dryRun ? c.cyan('dry run: nothing was removed. ') : ''}tenant ${result.tenant} of ${result.source}: ${s.removed} archive(s) ${result.dryRun ? 'would be ' : ''}removed from ${result.storages.join(', ')} (${formatBytes(s.bytes)})${s.failed ? c.red(`, ${s.failed} failed`) : ''}\n${key}`;
}

/** Nothing on stdout when the archive itself went there. */
export function renderGet(result: GetResult): string {
  return result.output === '-' ? '' : `wrote ${result.output} (${formatBytes(result.size)}, sha256 ${result.sha256})\n`;
}

export function renderImport(result: ImportResult, c: ChalkInstance): string {
  const status = (s: ImportResult['storages'][number]['status']) =>
    s === 'failed' ? c.red('FAILED') : s === 'stored' ? c.green('stored') : s === 'identical' ? c.cyan('already there (identical)') : c.cyan('would store');
  const rows = result.storages.map((s) => [status(s.status), s.name, s.error ?? '']);
  const head = `${result.dryRun ? c.cyan('dry run: nothing was stored. ') : ''}${result.id} from ${result.file} (${formatBytes(result.size)}${result.encrypted ? ', encrypted' : ''}): verified, levels ${result.levels.join(', ')}\n`;
  return head + table(['STATUS', 'STORAGE', 'ERROR'], rows);
}
