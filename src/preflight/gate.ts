/**
 * Preflight as the first step of create, restore and prune (DESIGN.md convention 8): every check
 * runs, warnings are logged, and any failure stops the command with exit 4 before anything is
 * written, naming each failed check and its fix.
 */
import type { Context } from '../context.js';
import { PreflightError } from '../errors.js';
import { runPreflight } from './run.js';
import type { PreflightOptions, PreflightReport } from './types.js';

/**
 * Warnings about the environment rather than this run: `orgbackup preflight` reports them; on every
 * create, restore and schedule-run they would fill cron logs and drown the warnings that matter, so
 * there they are debug lines (-v). The umask: archives are 0600 and directories 0700 regardless.
 */
const REPORTED_BY_PREFLIGHT = new Set(['process.umask']);
/** Likewise a rows source's non-deferrable foreign-key cycle: the schema's, known, the same every run. */
const reportedByPreflight = (id: string) => REPORTED_BY_PREFLIGHT.has(id) || /^source\..*\.rows-cycles$/.test(id);

export async function runPreflightGate(ctx: Context, options: PreflightOptions): Promise<PreflightReport> {
  const report = await runPreflight(ctx, options);
  for (const check of report.checks) {
    if (check.status === 'warn' && reportedByPreflight(check.id)) ctx.log.debug(`preflight ${check.id}: ${check.message}`, { check: check.id, status: check.status, hint: check.hint });
    else if (check.status === 'warn') ctx.log.warn(`preflight ${check.id}: ${check.message}`, { check: check.id, hint: check.hint });
    else ctx.log.debug(`preflight ${check.id}: ${check.message}`, { check: check.id, status: check.status });
  }
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.length > 0) {
    const lines = failed.map((c) => `✗ ${c.id}: ${c.message}${c.hint ? `\n    fix: ${c.hint}` : ''}`);
    throw new PreflightError(`preflight failed, nothing was written:\n  ${lines.join('\n  ')}`, {
      hint: `run \`orgbackup preflight --for ${options.for}\` for the full report`,
    });
  }
  return report;
}
