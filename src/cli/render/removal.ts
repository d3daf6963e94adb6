/** delete, forget, get and import results as text. */
import type { ChalkInstance } from 'chalk';
import type { DeleteResult } from '../../commands/delete.js';
import type { ForgetResult } from '../../commands/forget.js';
import type { GetResult } from '../../commands/get.js';
import type { HoldItem, HoldResult } from '../../commands/hold.js';
import type { ImportResult } from '../../commands/import.js';
import { formatBytes } from '../../util/bytes.js';
import { table } from './format.js';

type Removed = { id: string; storage: string; status: 'removed' | 'would-remove' | 'failed' | 'held'; error?: string };

function removedTable(archives: readonly Removed[], sizes: (number | undefined)[], c: ChalkInstance): string {
  if (archives.length === 0) return 'no archives\n';
  const status = (a: Removed) => (a.status === 'failed' ? c.red('FAILED') : a.status === 'held' ? c.red('HELD (kept)') : a.status === 'removed' ? c.yellow('removed') : c.cyan('would remove'));
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
  )}${result.dryRun ? c.cyan('dry run: nothing was removed. ') : ''}tenant ${result.tenant} of ${result.source}: ${s.removed} archive(s) ${result.dryRun ? 'would be ' : ''}removed from ${result.storages.join(', ')} (${formatBytes(s.bytes)})${s.held ? c.red(`, ${s.held} kept under legal hold (release them, then forget again)`) : ''}${s.failed ? c.red(`, ${s.failed} failed`) : ''}\n${key}`;
}

const HOLD_STATUS: Record<HoldItem['status'], string> = {
  held: 'held',
  'already-held': 'already held',
  'would-hold': 'would hold',
  released: 'released',
  'not-held': 'not held',
  'would-release': 'would release',
  failed: 'FAILED',
};

/** hold / release: one line per archive and storage, with the hold's reason and who placed it. */
export function renderHold(result: HoldResult, c: ChalkInstance): string {
  if (result.archives.length === 0) return 'no archives\n';
  const status = (a: HoldItem) => (a.status === 'failed' ? c.red(HOLD_STATUS[a.status]) : a.status.startsWith('would') ? c.cyan(HOLD_STATUS[a.status]) : HOLD_STATUS[a.status]);
  const about = (a: HoldItem) =>
    a.error ?? (a.hold ? (a.hold.unreadable ? `reason unreadable: ${a.hold.unreadable}` : `${JSON.stringify(a.hold.reason)} (${a.hold.actor ?? a.hold.heldBy}, ${a.hold.heldAt})`) : '');
  const rows = result.archives.map((a) => [status(a), a.id, a.storage, about(a)]);
  const s = result.summary;
  const tail = `${result.dryRun ? c.cyan(`dry run: nothing was ${result.command === 'hold' ? 'held' : 'released'}. `) : ''}${s.changed} ${result.command === 'hold' ? 'held' : 'released'}, ${s.unchanged} unchanged${s.failed ? c.red(`, ${s.failed} failed`) : ''}\n`;
  return table(['STATUS', 'ARCHIVE', 'STORAGE', 'HOLD'], rows) + tail;
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
