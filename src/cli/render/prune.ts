import type { ChalkInstance } from 'chalk';
import type { PruneResult, PrunedArchive } from '../../commands/prune.js';
import { table } from './format.js';
import { formatBytes } from '../../util/bytes.js';

const STATUS_TEXT: Record<PrunedArchive['status'], string> = { kept: 'keep', removed: 'removed', 'would-remove': 'remove', failed: 'FAILED', held: 'held', retained: 'retained' };

function statusCell(a: PrunedArchive, c: ChalkInstance): string {
  const text = STATUS_TEXT[a.status];
  if (a.status === 'kept' || a.status === 'held') return c.green(text);
  if (a.status === 'retained') return c.cyan(text);
  return a.status === 'failed' ? c.red(text) : c.yellow(text);
}

/** The plan table (archive, keep/remove, reason), then orphans, unchecked sources and a summary. */
export function renderPrune(result: PruneResult, c: ChalkInstance): string {
  return (result.archives.length === 0 ? 'no archives\n' : pruneTable(result.archives, c)) + renderPruneTail(result, c);
}

/** The plan table (also of each block of a streamed prune, src/cli/render/stream.ts). */
export function pruneTable(archives: PrunedArchive[], c: ChalkInstance): string {
  const rows = archives.map((a) => [statusCell(a, c), a.id + (a.complete ? '' : c.gray(' (incomplete)')), a.storage, formatBytes(a.size), a.policy, reasonCell(a, c)]);
  return table(['ACTION', 'ARCHIVE', 'STORAGE', 'SIZE', 'POLICY', 'REASON'], rows);
}

function reasonCell(a: PrunedArchive, c: ChalkInstance): string {
  if (a.error) return c.red(a.error);
  return a.status === 'retained' ? `retained (locked${a.lockedUntil ? ` until ${a.lockedUntil}` : ''}); ${a.reasons.join(', ')}` : a.reasons.join(', ');
}

/** What follows the plan table: orphans, unchecked sources, the summary. */
export function renderPruneTail(result: PruneResult, c: ChalkInstance): string {
  const parts: string[] = [];
  for (const o of result.orphans) {
    parts.push(c.yellow(`orphan: ${o.source}/${o.tenant} is no longer a tenant of its source (${o.archives} archives in ${o.storage}, kept per retention.orphans ${JSON.stringify(o.policy)})\n`));
  }
  for (const u of result.unchecked) parts.push(c.red(`source ${u.source} not pruned: its tenants could not be learned: ${u.error.split('\n')[0] ?? ''}\n`));
  const audit = result.audit;
  if (audit && (audit.removed.length > 0 || audit.failed.length > 0)) {
    parts.push(`audit trail in ${audit.storage}: ${result.dryRun ? 'would remove' : 'removed'} ${audit.removed.length} object(s) older than ${audit.keepWithin}, ${audit.kept} kept\n`);
    for (const f of audit.failed) parts.push(c.red(`could not remove audit object ${f.key}: ${f.error}\n`));
  }
  const leftovers = Object.values(result.leftovers).reduce((a, b) => a + b, 0);
  const s = result.summary;
  const verb = result.dryRun ? 'would remove' : 'removed';
  parts.push(
    `${result.dryRun ? c.cyan('dry run: nothing was deleted. ') : ''}${s.kept} kept, ${verb} ${s.removed} (${formatBytes(s.bytesFreed)})${s.held ? `, ${s.held} held` : ''}${s.retained ? `, ${s.retained} retained (locked)` : ''}${s.failed ? c.red(`, ${s.failed} failed`) : ''}${leftovers ? `, ${leftovers} upload leftovers cleaned` : ''}\n`,
  );
  return parts.join('');
}
