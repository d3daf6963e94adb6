/**
 * Confirmation before a restore replaces anything: on a terminal the operator types the tenant id
 * (a y/N is answered by reflex; the id makes them read which tenant it is); without a terminal
 * (cron, CI, Kubernetes) --yes is required, and its absence is caught before any work starts.
 */
import type { Sidecar } from '../archive/manifest.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

export interface ConfirmOptions {
  yes?: boolean;
  dryRun?: boolean;
}

/** Fails fast (exit 2) when nobody can confirm and --yes was not given. */
export function assertCanConfirm(sidecar: Sidecar, options: ConfirmOptions, ctx: Context): void {
  if (options.yes || options.dryRun || ctx.interactive) return;
  throw new UsageError(`restoring ${sidecar.id} replaces data and needs confirmation, but no terminal is attached; nothing was touched`, {
    hint: 'pass --yes to confirm non-interactively, or --dry-run to see the plan first',
  });
}

export async function confirmRestore(sidecar: Sidecar, target: string, summary: readonly string[], safetyBackup: boolean, options: ConfirmOptions, ctx: Context): Promise<void> {
  if (options.yes || options.dryRun) return;
  assertCanConfirm(sidecar, options, ctx);
  const question = [
    `Restore ${sidecar.id} (tenant ${sidecar.tenant.id}${sidecar.tenant.name ? ` "${sidecar.tenant.name}"` : ''}, made ${sidecar.createdAt}) into ${target}:`,
    ...summary,
    safetyBackup ? '  a pre-restore safety backup is taken first' : '  NO safety backup will be taken',
    `Type the tenant id (${sidecar.tenant.id}) to confirm: `,
  ].join('\n');
  const answer = await ctx.ask(question);
  if (answer.trim() !== sidecar.tenant.id) {
    throw new UsageError('restore cancelled: the answer was not the tenant id; nothing was touched', { hint: `type ${sidecar.tenant.id} exactly, or pass --yes` });
  }
}
