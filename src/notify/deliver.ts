/**
 * Hands a run's events to every channel that wants them (one delivery per channel and run) and
 * its samples to every Prometheus channel. Never throws and never changes a command's outcome: a
 * channel that fails is logged as a warning (redacted, naming the channel, never its URL or
 * password) and the command's result and exit code stay what they were.
 */
import os from 'node:os';
import type { ChannelConfig, NotificationsConfig } from '../config/notifications-schema.js';
import { resolveSecret } from '../config/secrets.js';
import { httpUrlProblem } from '../config/db-url.js';
import type { Logger } from '../context.js';
import { errorMessage } from '../errors.js';
import { redact, redactDeep } from '../redact.js';
import { sendEmail, type Run } from './email.js';
import { DEFAULT_EVENTS, eventsText, type EventKind, type NotifyEvent } from './events.js';
import { writeMetricsFile, type Sample } from './metrics.js';
import { postJsonWithRetries } from './webhook.js';

export interface DeliverOptions {
  log: Logger;
  signal?: AbortSignal;
  /** Injected in tests that must not wait for real backoff. */
  sleep?: (ms: number) => Promise<void>;
}

/** The events a channel carries: its list ("all" for every kind), else DEFAULT_EVENTS. */
export function wants(channel: ChannelConfig, kind: EventKind): boolean {
  if (channel.type === 'prometheus') return false;
  const events: readonly string[] = channel.events ?? DEFAULT_EVENTS;
  return events.includes('all') || events.includes(kind);
}

/** The JSON a webhook channel receives: the run, its events, and a Slack-compatible `text`. */
export function eventsPayload(events: readonly NotifyEvent[], run: Run): Record<string, unknown> {
  return redactDeep({ host: run.host, command: run.command, ...(run.exitCode === undefined ? {} : { exitCode: run.exitCode }), events, text: eventsText(events, run) });
}

export async function deliverEvents(events: readonly NotifyEvent[], run: Omit<Run, 'host'>, config: NotificationsConfig, options: DeliverOptions): Promise<void> {
  if (events.length === 0) return;
  const full: Run = { ...run, host: os.hostname() };
  for (const [name, channel] of Object.entries(config.channels)) {
    const chosen = events.filter((e) => wants(channel, e.kind));
    if (chosen.length === 0) continue;
    try {
      if (channel.type === 'webhook') await sendToWebhook(name, channel, chosen, full, options);
      else if (channel.type === 'email') {
        await sendEmail(channel, name, chosen, full);
        options.log.info(`notification channel "${name}": e-mailed ${chosen.length} event(s)`, { event: 'notify', channel: name });
      }
    } catch (error) {
      warn(name, error, options.log);
    }
  }
}

async function sendToWebhook(name: string, channel: Extract<ChannelConfig, { type: 'webhook' }>, events: readonly NotifyEvent[], run: Run, options: DeliverOptions): Promise<void> {
  const key = `notifications.channels.${name}.urlFile`;
  const url = await resolveSecret(channel.url, channel.urlFile, key);
  // A URL given inline was checked at load; one read from urlFile only now.
  const problem = url ? (channel.urlFile ? httpUrlProblem(url) : undefined) : 'is empty';
  if (!url || problem) throw new Error(`the URL in ${key} ${problem}`);
  await postJsonWithRetries(url, JSON.stringify(eventsPayload(events, run)), { ...options, timeoutMs: channel.timeoutMs, retries: channel.retries, what: `notification channel "${name}"` });
}

function warn(name: string, error: unknown, log: Logger): void {
  log.warn(redact(`notification channel "${name}" failed: ${errorMessage(error)} (the command's result is unaffected)`), { event: 'notify', channel: name });
}

/** Merges the samples into every Prometheus channel's file; a file that cannot be written is a warning. */
export async function writeChannelMetrics(samples: readonly Sample[], config: NotificationsConfig, log: Logger): Promise<void> {
  if (samples.length === 0) return;
  for (const [name, channel] of Object.entries(config.channels)) {
    if (channel.type !== 'prometheus') continue;
    try {
      await writeMetricsFile(channel.file, samples);
    } catch (error) {
      warn(name, error, log);
    }
  }
}
