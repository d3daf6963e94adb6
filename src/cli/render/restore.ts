import type { ChalkInstance } from 'chalk';
import type { RestoreCommandResult } from '../../commands/restore.js';

export function renderRestore(result: RestoreCommandResult, c: ChalkInstance): string {
  const lines: string[] = [];
  if (result.dryRun) {
    lines.push(`dry run: restoring ${result.id} would:`);
    for (const step of result.plan ?? []) lines.push(`  - ${step}`);
    return lines.join('\n') + '\n';
  }
  lines.push(`${c.green('restored')} ${result.id} into ${result.target}`);
  const rows = result.tables.reduce((n, t) => n + t.rows, 0);
  if (result.tables.length > 0) lines.push(`  ${result.tables.length} table(s), ${rows} row(s)`);
  if (result.safetyBackup) {
    lines.push(`safety backup: ${result.safetyBackup.id}`);
    lines.push(`to roll back:  ${result.safetyBackup.rollback}`);
  }
  return lines.join('\n') + '\n';
}
