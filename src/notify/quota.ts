/**
 * The quota warning, for the plan-limit checks to raise (create and schedule-run, before dumping):
 * a tenant above a share of a limit. Delivered like every other event and written as
 * `orgbackup_quota_used_ratio` to the Prometheus channels, which the example alert rule watches.
 */
import type { Context } from '../context.js';
import { quotaWarningEvent, type QuotaWarning } from './derive.js';
import { deliverEvents, writeChannelMetrics } from './deliver.js';
import { FAMILIES, type Sample } from './metrics.js';

export type { QuotaWarning } from './derive.js';

export function quotaSamples(warnings: readonly QuotaWarning[]): Sample[] {
  return warnings.map((w) => ({
    name: FAMILIES.quotaRatio.name,
    labels: { source: w.source, tenant: w.tenant, limit: w.limit, ...(w.plan !== undefined ? { plan: w.plan } : {}) },
    value: w.max > 0 ? w.used / w.max : 0,
  }));
}

/** Sends the warnings of one run (one delivery per channel); never throws, never changes the run's outcome. */
export async function emitQuotaWarnings(command: string, warnings: readonly QuotaWarning[], ctx: Pick<Context, 'config' | 'log' | 'signal'>): Promise<void> {
  if (warnings.length === 0) return;
  const notifications = ctx.config.notifications;
  await deliverEvents(
    warnings.map((w) => quotaWarningEvent(command, w)),
    { command },
    notifications,
    { log: ctx.log, signal: ctx.signal },
  );
  await writeChannelMetrics(quotaSamples(warnings), notifications, ctx.log);
}
