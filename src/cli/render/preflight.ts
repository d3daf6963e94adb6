/** The preflight report as a checklist: ✓ pass, ! warning, ✗ fail, each failure or warning with its fix. */
import type { ChalkInstance } from 'chalk';
import type { PreflightResult } from '../../commands/preflight.js';

export function renderPreflight(result: PreflightResult, c: ChalkInstance): string {
  const width = Math.max(0, ...result.checks.map((check) => check.id.length));
  const lines: string[] = [];
  for (const check of result.checks) {
    const mark = check.status === 'pass' ? c.green('✓') : check.status === 'warn' ? c.yellow('!') : c.red('✗');
    lines.push(`${mark} ${check.id.padEnd(width)}  ${check.message}`);
    if (check.hint && check.status !== 'pass') lines.push(`  ${' '.repeat(width)}  ${c.gray('fix:')} ${check.hint}`);
  }
  const { pass, warn, fail } = result.summary;
  const verdict = fail > 0 ? c.red(`preflight for ${result.for} failed`) : c.green(`preflight for ${result.for} passed`);
  lines.push('', `${verdict}: ${pass} passed, ${warn} warning(s), ${fail} failed`);
  return lines.join('\n') + '\n';
}
