/**
 * Notifications for every command (src/notify/): before a restore that writes, `restore-started`;
 * after any command, the events of its result (or of the error that stopped it) to the channels
 * that want them, and its samples to the Prometheus channels. Nothing here throws or changes the
 * exit code: a failed notification is a logged warning.
 */
import type { Context } from '../context.js';
import { ExitCode, errorMessage, isOrgbackupError } from '../errors.js';
import { commandSamples } from '../notify/command-metrics.js';
import { deliverEvents, writeChannelMetrics } from '../notify/deliver.js';
import { eventsOfFailure, eventsOfResult, restoreStartedEvents } from '../notify/derive.js';
import type { CommandResultBase } from './render/index.js';

type Loose = Record<string, unknown>;

function channelsOf(ctx: Context) {
  try {
    const notifications = ctx.config.notifications;
    return Object.keys(notifications.channels).length > 0 ? notifications : undefined;
  } catch {
    return undefined; // a config that did not load has no channels
  }
}

async function guarded(ctx: Context, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    ctx.log.warn(`notifications: ${errorMessage(error)} (the command's result is unaffected)`, { event: 'notify' });
  }
}

/** Whether any notification channel is configured (events and metrics are derived from the whole result). */
export function notifies(ctx: Context): boolean {
  return channelsOf(ctx) !== undefined;
}

export async function notifyStart(command: string, options: Loose, ctx: Context): Promise<void> {
  const config = channelsOf(ctx);
  if (!config) return;
  await guarded(ctx, () => deliverEvents(restoreStartedEvents(command, options), { command }, config, { log: ctx.log, signal: ctx.signal }));
}

export async function notifyResult(command: string, result: CommandResultBase, startedAt: Date, ctx: Context): Promise<void> {
  const config = channelsOf(ctx);
  if (!config) return;
  const loose = result as unknown as Loose;
  await guarded(ctx, async () => {
    await deliverEvents(eventsOfResult(command, loose), { command, exitCode: result.exitCode }, config, { log: ctx.log });
    await writeChannelMetrics(commandSamples({ command, exitCode: result.exitCode, startedAt, finishedAt: ctx.now() }, loose), config, ctx.log);
  });
}

export async function notifyFailure(command: string, options: Loose, error: unknown, startedAt: Date, ctx: Context): Promise<void> {
  const config = channelsOf(ctx);
  if (!config) return;
  const exitCode = isOrgbackupError(error) ? error.exitCode : ExitCode.failed;
  // A usage error attempted nothing: no event, but the metrics still say the run failed.
  const events = exitCode === ExitCode.usage ? [] : eventsOfFailure(command, options, errorMessage(error), isOrgbackupError(error) && error.rolledBack);
  await guarded(ctx, async () => {
    // No signal: an interrupted run's failure is still worth telling.
    await deliverEvents(events, { command, exitCode }, config, { log: ctx.log });
    await writeChannelMetrics(commandSamples({ command, exitCode, startedAt, finishedAt: ctx.now() }, undefined), config, ctx.log);
  });
}
