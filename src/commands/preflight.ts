/**
 * `orgbackup preflight`: the checks create/restore/prune run first, on their own, as a report.
 * A failed check is a result here, not an error: the report is printed and the exit status is 4.
 */
import type { Context } from '../context.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { runPreflight } from '../preflight/run.js';
import type { CheckResult, PreflightOptions } from '../preflight/types.js';
import { selectSourceNames } from '../sources/registry.js';
import { selectStorageNames } from '../storage/registry.js';

export interface PreflightCommandOptions {
  source?: string[];
  storage?: string[];
  for?: PreflightOptions['for'];
}

export interface PreflightResult {
  command: 'preflight';
  ok: boolean;
  exitCode: ExitCodeValue;
  for: PreflightOptions['for'];
  sources: string[];
  storages: string[];
  summary: { pass: number; warn: number; fail: number };
  checks: CheckResult[];
}

export async function runPreflightCommand(options: PreflightCommandOptions, ctx: Context): Promise<PreflightResult> {
  const sources = selectSourceNames(ctx.config, options.source);
  const storages = selectStorageNames(ctx.config, options.storage);
  const purpose = options.for ?? 'create';
  const report = await runPreflight(ctx, { for: purpose, sources, storages });
  const count = (status: CheckResult['status']) => report.checks.filter((c) => c.status === status).length;
  const summary = { pass: count('pass'), warn: count('warn'), fail: count('fail') };
  const exitCode = summary.fail > 0 ? ExitCode.preflight : ExitCode.ok;
  return { command: 'preflight', ok: summary.fail === 0, exitCode, for: purpose, sources, storages, summary, checks: report.checks };
}
