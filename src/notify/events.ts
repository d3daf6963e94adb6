/**
 * The catalogue of notification events and how they read: one kind per thing an operator may want
 * to hear about, each with a severity and a title. Events are facts about one tenant (or one run)
 * taken from a command's result (src/notify/derive.ts); channels choose the kinds they carry.
 * Pure: the formatting is covered by the table in test/unit/notify-events.test.ts.
 */
import { EVENT_KINDS } from '../config/notifications-schema.js';
import { redact } from '../redact.js';

export { EVENT_KINDS };

export type EventKind = (typeof EVENT_KINDS)[number];
export type Severity = 'info' | 'warning' | 'error';

export const CATALOGUE: Record<EventKind, { severity: Severity; title: string }> = {
  'backup-failed': { severity: 'error', title: 'backup failed' },
  'backup-partial': { severity: 'warning', title: 'backup partial' },
  'backup-succeeded': { severity: 'info', title: 'backup succeeded' },
  'restore-started': { severity: 'info', title: 'restore started' },
  'restore-completed': { severity: 'info', title: 'restore completed' },
  'restore-failed': { severity: 'error', title: 'restore failed' },
  'restore-rolled-back': { severity: 'error', title: 'restore rolled back' },
  'verify-failed': { severity: 'error', title: 'verify failed' },
  'archive-expiring': { severity: 'warning', title: 'archive expiring' },
  'tenant-stale': { severity: 'error', title: 'tenant stale' },
  'quota-warning': { severity: 'warning', title: 'quota warning' },
};

/** What a channel gets when its config names no events: everything that needs a person. */
export const DEFAULT_EVENTS: readonly EventKind[] = EVENT_KINDS.filter((k) => CATALOGUE[k].severity !== 'info');

export interface NotifyEvent {
  kind: EventKind;
  severity: Severity;
  /** The command whose run produced it. */
  command: string;
  source?: string;
  tenant?: string;
  archive?: string;
  storage?: string;
  error?: string;
  /** Facts of the kind: quota (plan, limit, used, max, percent), expiring (before), stale (ageSeconds), restore (target). */
  details?: Record<string, string | number>;
}

export type EventFacts = Omit<NotifyEvent, 'kind' | 'severity'>;

/** An event of a kind with its catalogue severity; errors are redacted (they may quote a URL or a tool's output). */
export function makeEvent(kind: EventKind, facts: EventFacts): NotifyEvent {
  const { error, ...rest } = facts;
  return { kind, severity: CATALOGUE[kind].severity, ...rest, ...(error ? { error: redact(firstLine(error)) } : {}) };
}

const ICONS: Record<Severity, string> = { info: ':white_check_mark:', warning: ':warning:', error: ':x:' };

export function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

function subject(event: NotifyEvent): string {
  if (event.source && event.tenant) return `${event.source}/${event.tenant}`;
  return event.archive ?? event.source ?? event.tenant ?? `the ${event.command} run`;
}

/** Kind-specific words after the subject; the error comes last. */
function specifics(event: NotifyEvent): string[] {
  const d = event.details ?? {};
  switch (event.kind) {
    case 'quota-warning':
      return [`${d.limit} at ${d.percent}% (${d.used} of ${d.max}${d.plan !== undefined ? `, plan ${d.plan}` : ''})`];
    case 'archive-expiring':
      return [`its oldest archive ${event.archive} will be pruned before ${d.before}`];
    case 'tenant-stale':
      return [d.ageSeconds === undefined ? 'no archive at all' : `newest archive ${event.archive} is ${formatAge(Number(d.ageSeconds))} old`];
    case 'restore-started':
    case 'restore-completed':
      return [`${event.archive ?? 'archive'}${d.target !== undefined ? ` into ${d.target}` : ''}`];
    default:
      return event.archive && event.kind !== 'backup-failed' ? [event.archive] : [];
  }
}

export function formatAge(seconds: number): string {
  if (seconds >= 172_800) return `${Math.floor(seconds / 86_400)}d`;
  if (seconds >= 7200) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 60)}m`;
}

/** One line per event: `:x: backup failed: media/acme: disk full`. */
export function eventLine(event: NotifyEvent): string {
  const parts = [`${ICONS[event.severity]} ${CATALOGUE[event.kind].title}: ${subject(event)}`, ...specifics(event), ...(event.error ? [event.error] : [])];
  return parts.join(': ');
}

const MAX_LINES = 20;

/** The Slack-compatible text of one delivery: a header naming the run, then the events. */
export function eventsText(events: readonly NotifyEvent[], run: { command: string; host: string }): string {
  const lines = events.slice(0, MAX_LINES).map(eventLine);
  if (events.length > MAX_LINES) lines.push(`… and ${events.length - MAX_LINES} more`);
  return [`orgbackup ${run.command} on ${run.host}: ${countText(events)}`, ...lines].join('\n');
}

/** `2 backup failed, 1 backup partial`, in catalogue order. */
export function countText(events: readonly NotifyEvent[]): string {
  return EVENT_KINDS.flatMap((k) => {
    const n = events.filter((e) => e.kind === k).length;
    return n > 0 ? [`${n} ${CATALOGUE[k].title}`] : [];
  }).join(', ');
}

/** An e-mail subject: the one event's line without its icon, or the counts of several. */
export function eventsSubject(events: readonly NotifyEvent[], run: { command: string; host: string }): string {
  const text = events.length === 1 ? eventLine(events[0]!).replace(/^:[a-z_]+: /, '') : `${run.command} on ${run.host}: ${countText(events)}`;
  return `[orgbackup] ${text}`.slice(0, 200);
}
