import type { ChalkInstance } from 'chalk';
import type { RestoreCommandResult } from '../../commands/restore.js';
import type { TableChange } from '../../restore/plan.js';
import { table } from './format.js';

export function renderRestore(result: RestoreCommandResult, c: ChalkInstance): string {
  const lines: string[] = [];
  if (result.dryRun) {
    lines.push(`${c.bold('dry run')}: restoring ${result.id} into ${result.target} would:`);
    for (const step of result.plan ?? []) lines.push(`  - ${step}`);
    lines.push(...schemaLines(result, c));
    lines.push(result.safetyBackupSkipped ? `  - take no safety backup (${result.safetyBackupSkipped})` : '  - first take a pre-restore safety backup of the tenant');
    for (const warning of result.warnings) lines.push(c.yellow(`warning: ${warning}`));
    lines.push('nothing was changed.');
    const changes = result.changes ?? [];
    return lines.join('\n') + '\n' + (changes.length > 0 ? '\n' + changesTable(changes) : '');
  }
  for (const warning of result.warnings) lines.push(c.yellow(`warning: ${warning}`));
  lines.push(`${c.green('restored')} ${result.id} into ${result.target}`);
  const rows = result.tables.reduce((n, t) => n + t.rows, 0);
  if (result.tables.length > 0) lines.push(`  ${result.tables.length} table(s), ${rows} row(s)`);
  if (result.safetyBackup) {
    lines.push(`safety backup: ${result.safetyBackup.id}`);
    lines.push(`to roll back:  ${result.safetyBackup.rollback}`);
  } else if (result.safetyBackupSkipped) {
    lines.push(`no safety backup (${result.safetyBackupSkipped})`);
  }
  return lines.join('\n') + '\n';
}

function schemaLines(result: RestoreCommandResult, c: ChalkInstance): string[] {
  const { status, differences } = result.schema;
  if (status === 'match') return ['  - schema: the target matches the archive'];
  if (status === 'new-target') return ['  - schema: the target does not exist yet; it is created'];
  if (status === 'not-recorded') return [];
  return [c.yellow(`  - schema: the target differs from the archive; restore refuses without --force:`), ...differences.map((d) => `      ${d}`)];
}

/** What is there now against what the archive loads, per table. */
function changesTable(changes: readonly TableChange[]): string {
  const rows = changes.map((ch) => [ch.table, ch.current === undefined ? '-' : String(ch.current), ch.restored === undefined ? '(kept)' : String(ch.restored)]);
  return table(['TABLE', 'ROWS NOW', 'ROWS AFTER'], rows);
}
