/**
 * The audit trail's hash chain (docs/commands.md "audit"). A run writes one NDJSON object: its
 * action records, then a seal. Every line carries `seq` (1, 2, ...) and `prev`, the sha256 of the
 * previous line's exact text; the first line's `prev` is GENESIS. Each run's object is its own
 * chain: linking to the previous run's seal would need a listing of the whole trail on every
 * command, and concurrent runs have no single "previous" run. So a removed, edited or reordered
 * line, or a missing seal, is caught; a whole object removed is not (see docs).
 */
import { createHash } from 'node:crypto';

/** The `prev` of a run's first record: sha256 of this fixed text. */
export const GENESIS = createHash('sha256').update('orgbackup audit genesis v1', 'utf8').digest('hex');

export interface Who {
  user: string;
  uid: number;
  host: string;
  pid: number;
  actor?: string;
}

/** One tenant action of a command, as the command's result tells it. */
export interface AuditEntry {
  action: string;
  source?: string;
  tenant?: string;
  archives: string[];
  storages?: string[];
  /** limited: create did not back the tenant up because of its plan limits (`limits` says which). */
  outcome: 'ok' | 'partial' | 'failed' | 'dry-run' | 'limited';
  bytes?: number;
  rows?: number;
  error?: string;
  /** create: the plan limits that stopped the tenant, or that it was stored over (warn mode, --ignore-limits). */
  limits?: string[];
  /** create --ignore-limits was given. */
  ignoreLimits?: boolean;
}

export interface ActionRecord extends AuditEntry {
  type: 'action';
  seq: number;
  prev: string;
  time: string;
  exitCode: number;
  who: Who;
}

export interface SealRecord {
  type: 'seal';
  seq: number;
  prev: string;
  time: string;
  records: number;
  /** sha256 of the last action record's line (GENESIS for a run without one). */
  last: string;
}

export type AuditLine = ActionRecord | SealRecord;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with keys sorted at every depth: the one text a record is hashed as. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .filter((k) => obj[k] !== undefined)
        .map((k) => [k, sortKeys(obj[k])]),
    );
  }
  return value;
}

/** The lines of a run's object: its entries chained, then the seal. Ends with a newline. */
export function buildChain(entries: readonly AuditEntry[], exitCode: number, who: Who, time: Date): string {
  const lines: string[] = [];
  let prev = GENESIS;
  const iso = time.toISOString();
  for (const entry of entries) {
    const line = canonical({ ...entry, type: 'action', seq: lines.length + 1, prev, time: iso, exitCode, who } satisfies ActionRecord);
    lines.push(line);
    prev = sha256(line);
  }
  lines.push(canonical({ type: 'seal', seq: lines.length + 1, prev, time: iso, records: entries.length, last: prev } satisfies SealRecord));
  return lines.join('\n') + '\n';
}
