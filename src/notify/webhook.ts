/**
 * Webhook notifications of schedule runs: a JSON POST carrying the run's facts plus a
 * Slack-compatible `text`, so the same URL works for Slack/Mattermost incoming webhooks and for
 * custom receivers. Delivery is retried with backoff and never fails the backup: a broken alert
 * channel is logged, not turned into a failed run. The URL often embeds a token, so it is
 * registered as a secret and never logged.
 */
import os from 'node:os';
import type { Logger } from '../context.js';
import { errorMessage } from '../errors.js';
import { redactDeep, registerSecret } from '../redact.js';

export type NotifyOn = 'failure' | 'success' | 'always';

export interface WebhookConfig {
  url: string;
  on: NotifyOn[];
  timeoutMs: number;
}

export interface FailedTenant {
  source: string;
  tenant: string;
  error: string;
}

export interface RunReport {
  schedule: string;
  shard: string;
  status: 'ok' | 'partial' | 'failed';
  exitCode: number;
  sources: string[];
  storages: string[];
  counts: { ok: number; partial: number; failed: number; limited?: number };
  failed: FailedTenant[];
  /** A failure of the run as a whole (preflight, configuration, prune), beside per-tenant ones. */
  error?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface WebhookPayload extends RunReport {
  host: string;
  text: string;
}

/** Delays before the 2nd and 3rd attempts. */
export const RETRY_DELAYS_MS = [1000, 3000];
const MAX_LISTED_FAILURES = 10;

export function shouldNotify(on: readonly NotifyOn[], status: RunReport['status']): boolean {
  return on.includes('always') || (status === 'ok' ? on.includes('success') : on.includes('failure'));
}

export function slackText(report: RunReport, host: string): string {
  const icon = report.status === 'ok' ? ':white_check_mark:' : report.status === 'partial' ? ':warning:' : ':x:';
  const shard = report.shard === 'all' ? '' : ` ${report.shard}`;
  const { ok, partial, failed } = report.counts;
  const lines = [
    `${icon} orgbackup schedule *${report.schedule}*${shard} on ${host}: ${report.status} (exit ${report.exitCode}) — ${ok} ok, ${partial} partial, ${failed} failed in ${(report.durationMs / 1000).toFixed(1)} s`,
  ];
  if (report.error) lines.push(`> ${firstLine(report.error)}`);
  for (const f of report.failed.slice(0, MAX_LISTED_FAILURES)) lines.push(`• ${f.source}/${f.tenant}: ${firstLine(f.error)}`);
  if (report.failed.length > MAX_LISTED_FAILURES) lines.push(`… and ${report.failed.length - MAX_LISTED_FAILURES} more`);
  return lines.join('\n');
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

/** The body posted: error texts may quote a connection string or a tool's output, so it is redacted. */
export function webhookPayload(report: RunReport, host = os.hostname()): WebhookPayload {
  return redactDeep({ ...report, host, text: slackText(report, host) });
}

export interface SendOptions {
  signal?: AbortSignal;
  log: Logger;
  /** Injected in tests that must not wait for real backoff. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** POSTs the report; returns whether it was delivered. Never throws. */
export async function sendWebhook(config: WebhookConfig, report: RunReport, options: SendOptions): Promise<boolean> {
  return postJsonWithRetries(config.url, JSON.stringify(webhookPayload(report)), {
    ...options,
    timeoutMs: config.timeoutMs,
    retries: RETRY_DELAYS_MS.length,
    what: `webhook for schedule ${report.schedule}`,
  });
}

/**
 * POSTs a JSON body, retrying with backoff; returns whether it was delivered, never throws. Log
 * lines name `what`, never the URL (it is registered as a secret all the same).
 */
export async function postJsonWithRetries(url: string, body: string, options: SendOptions & { timeoutMs: number; retries: number; what: string }): Promise<boolean> {
  registerSecret(url);
  const sleep = options.sleep ?? defaultSleep;
  const retries = Math.min(options.retries, RETRY_DELAYS_MS.length);
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1]!);
    if (options.signal?.aborted) return false;
    const problem = await postOnce(url, options.timeoutMs, body, options.signal);
    if (problem === undefined) {
      options.log.info(`${options.what}: delivered`, { event: 'webhook', attempt: attempt + 1 });
      return true;
    }
    const last = attempt === retries;
    const msg = `${options.what}: ${problem}${last ? '; giving up (the backup result is unaffected)' : '; retrying'}`;
    if (last) options.log.warn(msg, { event: 'webhook', attempt: attempt + 1 });
    else options.log.debug(msg, { event: 'webhook', attempt: attempt + 1 });
  }
  return false;
}

/** One attempt: undefined when delivered, else why not (never mentioning the URL). */
async function postOnce(url: string, timeoutMs: number, body: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'orgbackup' },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    if (timeout.aborted) return `no answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error instanceof TypeError ? 'request failed' : errorMessage(error));
  }
}
