/**
 * Events from a command's result (read as loose JSON, the shapes of src/results/schemas.ts), from
 * the error that stopped it, or from what it is about to do (restore started). Pure, like the
 * audit entries beside it: table cases in test/unit/notify-derive.test.ts.
 */
import { parseArchiveId } from '../archive/layout.js';
import { makeEvent, type EventFacts, type EventKind, type NotifyEvent } from './events.js';

type Loose = Record<string, unknown>;
const arr = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : []);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** Source and tenant from the archive id when the item does not say them. */
function located(command: string, facts: Loose): EventFacts {
  const archive = str(facts.archive);
  const ref = archive ? parseArchiveId(archive) : undefined;
  const source = str(facts.source) ?? ref?.source;
  const tenant = str(facts.tenant) ?? ref?.tenant;
  const storage = str(facts.storage);
  const error = str(facts.error);
  const details = facts.details as EventFacts['details'];
  return {
    command,
    ...(source ? { source } : {}),
    ...(tenant ? { tenant } : {}),
    ...(archive ? { archive } : {}),
    ...(storage ? { storage } : {}),
    ...(error ? { error } : {}),
    ...(details ? { details } : {}),
  };
}

const BACKUP_KIND: Record<string, EventKind> = { ok: 'backup-succeeded', partial: 'backup-partial', failed: 'backup-failed' };

function backupEvents(command: string, archives: Loose[]): NotifyEvent[] {
  return archives.flatMap((a) => {
    const kind = BACKUP_KIND[str(a.status) ?? ''];
    const error = str(a.error) ?? (a.status === 'partial' ? 'not stored in every storage' : undefined);
    return kind ? [makeEvent(kind, located(command, { source: a.source, tenant: a.tenant, archive: a.id, error }))] : [];
  });
}

/** A schedule whose run failed as a whole (preflight, source gone) has no tenants to name: one event for the run. */
function scheduleEvents(schedule: Loose): NotifyEvent[] {
  const events = backupEvents('schedule-run', arr(schedule.archives));
  const error = str((schedule.error as Loose | undefined)?.message);
  if (schedule.status === 'failed' && events.length === 0) events.push(makeEvent('backup-failed', { command: 'schedule-run', error: `schedule ${str(schedule.schedule)}: ${error ?? 'failed'}` }));
  return events;
}

const FROM_RESULT: Record<string, (r: Loose) => NotifyEvent[]> = {
  create: (r) => (r.dryRun === true ? [] : backupEvents('create', arr(r.archives))),
  'schedule-run': (r) => arr(r.schedules).flatMap(scheduleEvents),
  restore: (r) => {
    if (r.dryRun === true) return [];
    const facts = located('restore', { tenant: r.tenant, archive: r.id, storage: r.storage, details: str(r.target) ? { target: str(r.target) } : undefined });
    return [makeEvent(r.ok === false ? 'restore-failed' : 'restore-completed', facts)];
  },
  verify: (r) => arr(r.archives).flatMap((a) => (a.status === 'failed' ? [makeEvent('verify-failed', located('verify', { archive: a.id, storage: a.storage, error: a.error }))] : [])),
  prune: (r) =>
    arr(r.expiring).map((e) => makeEvent('archive-expiring', located('prune', { source: e.source, tenant: e.tenant, archive: e.id, storage: e.storage, details: { before: str(e.before) ?? '' } }))),
  list: (r) =>
    arr(r.stale).map((s) => {
      const age = num(s.ageSeconds);
      return makeEvent('tenant-stale', located('list', { source: s.source, tenant: s.tenant, archive: s.newest, storage: s.storage, details: age === undefined ? undefined : { ageSeconds: age } }));
    }),
};

export function eventsOfResult(command: string, result: Loose): NotifyEvent[] {
  return FROM_RESULT[command]?.(result) ?? [];
}

const first = (v: unknown) => (Array.isArray(v) ? str(v[0]) : str(v));

/** What the options of a run name: the archive id argument, --source, --tenant. */
function named(command: string, options: Loose, error?: string): EventFacts {
  const args = Array.isArray(options.args) ? (options.args.flat() as unknown[]) : [];
  const archive = args.map(str).find((a) => a !== undefined && parseArchiveId(a) !== undefined);
  return located(command, { source: first(options.source), tenant: first(options.tenant), archive, error });
}

/**
 * A command that threw: the failure kind of what it was doing; nothing for commands without one.
 * `rolledBack` is the error's flag (OrgbackupError.rolledBack): PostgreSQL and MySQL restores run
 * in one transaction (or session), and one that was undone left the target unchanged, a different
 * fact from a restore that failed half-way, so it has its own kind.
 */
export function eventsOfFailure(command: string, options: Loose, message: string, rolledBack = false): NotifyEvent[] {
  const kind: EventKind | undefined =
    command === 'create' || command === 'schedule-run'
      ? 'backup-failed'
      : command === 'restore'
        ? rolledBack
          ? 'restore-rolled-back'
          : 'restore-failed'
        : command === 'verify'
          ? 'verify-failed'
          : undefined;
  return kind ? [makeEvent(kind, named(command, options, message))] : [];
}

/** Before a restore that writes: who is about to be overwritten. */
export function restoreStartedEvents(command: string, options: Loose): NotifyEvent[] {
  if (command !== 'restore' || options.dryRun === true) return [];
  const facts = named('restore', options);
  const target = str(options.target);
  return [makeEvent('restore-started', { ...facts, ...(target ? { details: { target } } : {}) })];
}

/** The quota warning the plan-limit checks raise: a tenant above a share (80%) of a limit. */
export interface QuotaWarning {
  source: string;
  tenant: string;
  plan?: string;
  /** The limit's name, e.g. maxTenantStorage. */
  limit: string;
  used: number;
  max: number;
  /** used / max in percent, rounded down. */
  percent: number;
}

export function quotaWarningEvent(command: string, warning: QuotaWarning): NotifyEvent {
  const { source, tenant, plan, limit, used, max, percent } = warning;
  return makeEvent('quota-warning', { command, source, tenant, details: { ...(plan !== undefined ? { plan } : {}), limit, used, max, percent } });
}
