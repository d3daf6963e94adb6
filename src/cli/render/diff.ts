/** diff results as text: one line per table, then sample keys of the tables that changed. */
import type { ChalkInstance } from 'chalk';
import type { DiffResult } from '../../commands/diff.js';
import { table } from './format.js';

export function renderDiff(result: DiffResult, c: ChalkInstance): string {
  const to = result.to.live ? 'live rows' : result.to.id!;
  const rows = result.tables.map((t) => [
    t.name,
    String(t.added),
    String(t.removed),
    String(t.changed),
    String(t.unchanged),
    t.keyed ? t.primaryKey.join(', ') : c.yellow('none: whole rows'),
    t.onlyIn ? `only in ${t.onlyIn}` : '',
  ]);
  const samples = result.tables
    .filter((t) => t.keyed && t.added + t.removed + t.changed > 0)
    .flatMap((t) =>
      (['added', 'removed', 'changed'] as const)
        .filter((k) => t.samples[k].length > 0)
        .map((k) => `  ${t.name} ${k}: ${t.samples[k].join('; ')}${t[k] > t.samples[k].length ? ` (+${t[k] - t.samples[k].length} more)` : ''}\n`),
    );
  const s = result.totals;
  const summary = result.identical ? c.green('identical') : `${s.added} added, ${s.removed} removed, ${s.changed} changed`;
  return `from ${result.from.id} to ${to}\n${table(['TABLE', 'ADDED', 'REMOVED', 'CHANGED', 'UNCHANGED', 'KEY', ''], rows)}${samples.length > 0 ? `sample keys:\n${samples.join('')}` : ''}${summary}\n`;
}
