/** Runs the preflight checks for the selected sources and storages. */
import type { Context } from '../context.js';
import { checkLocalStorage } from './storage-local.js';
import type { CheckResult, PreflightOptions, PreflightReport } from './types.js';

export async function runPreflight(ctx: Context, options: PreflightOptions): Promise<PreflightReport> {
  const checks: CheckResult[] = [];
  for (const name of options.storages) {
    const config = ctx.config.storage[name];
    if (config?.type === 'local') checks.push(...(await checkLocalStorage(ctx, name)));
  }
  return { command: 'preflight', ok: !checks.some((c) => c.status === 'fail'), for: options.for, checks };
}
