/**
 * E-mail notifications through SMTP with nodemailer: one message per command run and channel,
 * listing that run's events. The password comes from the config (usually `${SMTP_PASSWORD}`) or a
 * file, is registered as a secret and never logged; nodemailer's own logger stays off, since it
 * would print the SMTP dialogue (AUTH included) at debug level.
 */
import type { EmailChannelConfig } from '../config/notifications-schema.js';
import { resolveSecret } from '../config/secrets.js';
import { errorMessage } from '../errors.js';
import { redact } from '../redact.js';
import { eventsSubject, eventsText, type NotifyEvent } from './events.js';

export interface Run {
  command: string;
  host: string;
  exitCode?: number;
}

/** The plain-text body: the Slack text, then each event's facts one per line. */
export function emailBody(events: readonly NotifyEvent[], run: Run): string {
  const facts = events.map((e) =>
    Object.entries({ kind: e.kind, source: e.source, tenant: e.tenant, archive: e.archive, storage: e.storage, error: e.error, ...e.details })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `  ${k}: ${String(v)}`)
      .join('\n'),
  );
  const exit = run.exitCode === undefined ? '' : `\n\nexit code: ${run.exitCode}`;
  return redact(`${eventsText(events, run)}${exit}\n\n${facts.join('\n\n')}\n`);
}

/** Sends one message; throws with a redacted reason when the server cannot be reached or refuses. */
export async function sendEmail(channel: EmailChannelConfig, channelName: string, events: readonly NotifyEvent[], run: Run): Promise<void> {
  const smtp = channel.smtp;
  const password = await resolveSecret(smtp.password, smtp.passwordFile, `notifications.channels.${channelName}.smtp.passwordFile`);
  // Loaded only when a message goes out: nodemailer's modules cost every process start ~0.15 s of CPU.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? '' } } : {}),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    logger: false,
    debug: false,
  });
  try {
    await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: eventsSubject(events, run),
      text: emailBody(events, run),
      headers: { 'X-Orgbackup-Events': [...new Set(events.map((e) => e.kind))].join(',') },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Error(redact(`${code ? `${code}: ` : ''}${errorMessage(error)}`));
  } finally {
    transport.close();
  }
}
