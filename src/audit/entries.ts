/**
 * A command's result -> its audit entries, one per (source, tenant) it acted on. Results are read
 * as loose JSON (the shapes of src/results/schemas.ts): each command's items are flattened to
 * (id, status, bytes, rows) and grouped by tenant, so a tenant verified on three storages, or a
 * forget of twelve archives, is one entry. Pure: table cases in test/unit/audit-entries.test.ts.
 */
import { parseArchiveId } from '../archive/layout.js';
import { redact } from '../redact.js';
import type { AuditEntry } from './chain.js';

/** The commands whose runs are recorded: every one that reads or changes archives or databases. */
export const AUDITED = new Set(['create', 'restore', 'verify', 'prune', 'delete', 'forget', 'hold', 'release', 'get', 'import', 'export', 'schedule-run']);

type Loose = Record<string, unknown>;
interface Item {
  id?: string;
  source?: string;
  tenant?: string;
  storage?: string;
  status: 'ok' | 'failed' | 'dry-run' | 'skip' | 'limited';
  bytes?: number;
  rows?: number;
  error?: string;
  /** create: the plan limits that stopped the tenant or that it was stored over. */
  limits?: string[];
  /** hold / release: the reason given. */
  reason?: string;
}

const arr = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : []);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const sumRows = (tables: unknown) => (Array.isArray(tables) ? arr(tables).reduce((n, t) => n + (num(t.rows) ?? 0), 0) : undefined);

function statusOf(s: unknown): Item['status'] {
  if (s === 'failed') return 'failed';
  if (s === 'would-remove' || s === 'would-store' || s === 'would-hold' || s === 'would-release') return 'dry-run';
  // prune kept them (legal hold, object lock); hold/release found nothing to change.
  if (s === 'kept' || s === 'retained' || s === 'already-held' || s === 'not-held') return 'skip';
  if (s === 'limited') return 'limited';
  return 'ok';
}

const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const limitsOf = (a: Loose) => [...(str(a.reason) ? [str(a.reason)!] : []), ...strings(a.warnings), ...strings(a.limitsIgnored)];
const backupItem = (a: Loose): Item => ({
  id: str(a.id),
  source: str(a.source),
  tenant: str(a.tenant),
  status: statusOf(a.status),
  // A tenant its limits stopped stored nothing: the size of an archive not committed is no byte count.
  bytes: a.status === 'limited' ? undefined : num(a.size),
  rows: num(a.rows),
  error: str(a.error),
  limits: limitsOf(a),
});
const removedItem = (a: Loose): Item => ({
  id: str(a.id),
  source: str(a.source),
  tenant: str(a.tenant),
  storage: str(a.storage),
  status: statusOf(a.status),
  bytes: num(a.bytes) ?? num(a.size),
  error: str(a.error),
});

const reasonOf = (r: Loose) => (str(r.reason) ? { reason: str(r.reason) } : {});

/** Per command: the items of its result. */
const ITEMS: Record<string, (r: Loose) => Item[]> = {
  create: (r) => (r.dryRun === true ? arr(r.planned).map((p) => ({ source: str(p.source), tenant: str(p.tenant), status: 'dry-run' as const })) : arr(r.archives).map(backupItem)),
  'schedule-run': (r) => arr(r.schedules).flatMap((s) => arr(s.archives).map(backupItem)),
  verify: (r) => arr(r.archives).map((a) => ({ id: str(a.id), storage: str(a.storage), status: statusOf(a.status), bytes: num(a.size), error: str(a.error) })),
  delete: (r) => arr(r.archives).map(removedItem),
  // A held archive is one forget did not erase: a failure of the erasure, with the hold as its error.
  forget: (r) =>
    arr(r.archives).map((a) => ({ ...removedItem(a), source: str(r.source), tenant: str(r.tenant), ...(a.status === 'held' ? { status: 'failed' as const, error: 'kept: under legal hold' } : {}) })),
  prune: (r) => arr(r.archives).map((a) => (a.status === 'held' ? { ...removedItem(a), status: 'skip' as const } : removedItem(a))),
  hold: (r) => arr(r.archives).map((a) => ({ ...removedItem(a), ...reasonOf(r) })),
  release: (r) => arr(r.archives).map((a) => ({ ...removedItem(a), ...reasonOf(r) })),
  restore: (r) => [
    {
      id: str(r.id),
      // A clone (--as) changed the new tenant's data, not the archive's tenant's: it goes into the new tenant's chain.
      tenant: str(r.as) ?? str(r.tenant),
      storage: str(r.storage),
      status: r.dryRun === true ? 'dry-run' : r.ok === false ? 'failed' : 'ok',
      rows: sumRows(r.tables),
    },
    ...(r.safetyBackup ? [{ id: str((r.safetyBackup as Loose).id), tenant: str(r.tenant), status: 'ok' as const }] : []),
  ],
  get: (r) => [{ id: str(r.id), storage: str(r.storage), status: r.ok === false ? 'failed' : 'ok', bytes: num(r.size) }],
  export: (r) => [{ id: str(r.id), storage: str(r.storage), status: r.ok === false ? 'failed' : 'ok', rows: sumRows(r.tables) }],
  import: (r) => [{ id: str(r.id), source: str(r.source), tenant: str(r.tenant), status: r.dryRun === true ? 'dry-run' : r.ok === false ? 'failed' : 'ok', bytes: num(r.size) }],
};

function outcomeOf(items: Item[]): AuditEntry['outcome'] {
  const failed = items.filter((i) => i.status === 'failed').length;
  if (items.every((i) => i.status === 'dry-run')) return 'dry-run';
  if (items.every((i) => i.status === 'limited')) return 'limited';
  if (failed === 0) return 'ok';
  return failed === items.length ? 'failed' : 'partial';
}

function addUp(values: (number | undefined)[]): number | undefined {
  return values.some((v) => v !== undefined) ? values.reduce<number>((n, v) => n + (v ?? 0), 0) : undefined;
}

/** Items of one tenant -> its entry: archive ids and storages once each, bytes and rows added up. */
function entryOf(action: string, items: Item[]): AuditEntry {
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  const errors = uniq(items.map((i) => i.error));
  const storages = uniq(items.map((i) => i.storage));
  const bytes = addUp(items.map((i) => i.bytes));
  const rows = addUp(items.map((i) => i.rows));
  const limits = uniq(items.flatMap((i) => i.limits ?? []));
  const reason = items[0]!.reason;
  return {
    action,
    source: items[0]!.source,
    tenant: items[0]!.tenant,
    archives: uniq(items.map((i) => i.id)),
    ...(storages.length ? { storages } : {}),
    outcome: outcomeOf(items),
    ...(bytes !== undefined ? { bytes } : {}),
    ...(rows !== undefined ? { rows } : {}),
    ...(limits.length ? { limits } : {}),
    // A hold's reason is the operator's words, redacted like errors.
    ...(reason ? { reason: redact(reason) } : {}),
    // Errors can quote a URL or a tool's words: redacted like every other output.
    ...(errors.length ? { error: redact(errors.join('; ')) } : {}),
  };
}

/** Source and tenant from the item, else from its archive id. */
function located(item: Item): Item {
  const ref = item.id ? parseArchiveId(item.id) : undefined;
  return { ...item, source: item.source ?? ref?.source, tenant: item.tenant ?? ref?.tenant };
}

export function entriesOfResult(command: string, result: Loose): AuditEntry[] {
  const items = (ITEMS[command]?.(result) ?? []).filter((i) => i.status !== 'skip').map(located);
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const key = JSON.stringify([item.source ?? null, item.tenant ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const ignoreLimits = result.ignoreLimits === true ? { ignoreLimits: true } : {};
  return [...groups.values()].map((group) => ({ ...entryOf(command, group), ...ignoreLimits }));
}

/** A command that failed before it had a result: one entry for what its options name. */
export function entryOfFailure(command: string, options: Loose, message: string): AuditEntry {
  const first = (v: unknown) => (Array.isArray(v) ? str(v[0]) : str(v));
  const args = Array.isArray(options.args) ? options.args.flat() : [];
  const ids = args.filter((a): a is string => typeof a === 'string' && parseArchiveId(a) !== undefined);
  const ref = ids[0] ? parseArchiveId(ids[0]) : undefined;
  const source = first(options.source) ?? ref?.source;
  const tenant = first(options.tenant) ?? ref?.tenant;
  return { action: command, ...(source ? { source } : {}), ...(tenant ? { tenant } : {}), archives: ids, outcome: 'failed', error: redact(message) };
}
