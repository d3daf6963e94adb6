/**
 * `notifications` in the config: the old `webhook` (schedule-run reports, kept as it was so
 * existing configs load unchanged) and named `channels`, each a webhook, an e-mail address list
 * or a Prometheus textfile, each choosing the events it carries (docs/notifications.md).
 */
import { z } from 'zod';
import { httpUrlProblem } from './db-url.js';

export const EVENT_KINDS = [
  'backup-failed',
  'backup-partial',
  'backup-succeeded',
  'restore-started',
  'restore-completed',
  'restore-failed',
  'restore-rolled-back',
  'verify-failed',
  'archive-expiring',
  'tenant-stale',
  'quota-warning',
] as const;

const duration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, 'a duration such as 90s, 36h, 30d or 1y');
const httpUrl = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const message = httpUrlProblem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
/** The kinds a channel carries; "all" for every one. Default: those that need a person (docs/notifications.md). */
const events = z
  .array(z.enum([...EVENT_KINDS, 'all']))
  .min(1)
  .optional();

const webhookChannel = z
  .object({
    type: z.literal('webhook'),
    url: httpUrl.optional(),
    /** A file holding the URL (a Kubernetes secret mount): webhook URLs usually embed a token. */
    urlFile: z.string().min(1).optional(),
    events,
    timeoutMs: z.number().int().min(100).default(10_000),
    /** Attempts after the first, 1 s then 3 s apart. */
    retries: z.number().int().min(0).max(2).default(2),
  })
  .strict()
  .refine((w) => !!w.url !== !!w.urlFile, 'set "url" or "urlFile" (one of them)');

const emailChannel = z
  .object({
    type: z.literal('email'),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    events,
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        /** Refuse to send without STARTTLS (a password must not cross the network in clear). */
        requireTLS: z.boolean().default(false),
        user: z.string().min(1).optional(),
        /** Usually "${SMTP_PASSWORD}"; or passwordFile (a secret mount). Never logged. */
        password: z.string().min(1).optional(),
        passwordFile: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .refine((s) => !(s.password && s.passwordFile), 'set "password" or "passwordFile", not both')
      .refine((s) => !!s.user || !(s.password || s.passwordFile), 'a password needs "user"'),
  })
  .strict();

const prometheusChannel = z
  .object({
    type: z.literal('prometheus'),
    /** The .prom file in node_exporter's --collector.textfile.directory; every command updates its series. */
    file: z.string().min(1),
  })
  .strict();

export const channelSchema = z.discriminatedUnion('type', [webhookChannel, emailChannel, prometheusChannel]);

export const notificationsSchema = z
  .object({
    webhook: z
      .object({
        url: httpUrl.optional(),
        urlFile: z.string().min(1).optional(),
        on: z.array(z.enum(['failure', 'success', 'always'])).default(['failure']),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .refine((w) => !!w.url !== !!w.urlFile, 'set "url" or "urlFile" (one of them)')
      .optional(),
    channels: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"'), channelSchema).default({}),
    /** archive-expiring: prune names the oldest archive of a tenant that retention removes within this time. */
    expiringWithin: duration.default('7d'),
  })
  .strict();

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type ChannelConfig = z.infer<typeof channelSchema>;
export type WebhookChannelConfig = Extract<ChannelConfig, { type: 'webhook' }>;
export type EmailChannelConfig = Extract<ChannelConfig, { type: 'email' }>;
export type PrometheusChannelConfig = Extract<ChannelConfig, { type: 'prometheus' }>;
