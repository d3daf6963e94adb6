/**
 * The audit trail's hash chain (docs/commands.md "audit"). A run writes one NDJSON object: its
 * action records, then a seal. Every line carries `seq` (1, 2, ...) and `prev`, the sha256 of the
 * previous line's exact text; the first line's `prev` is GENESIS. Runs are chained too: the first
 * line's `after` names the newest run object present when the run wrote its own (its key and the
 * sha256 of its seal line), `null` for the first run of a trail (runs.ts checks these links).
 * Concurrent runs may name the same predecessor: the trail is then a tree, which is accepted.
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
  /** hold / release: the reason given (--reason). */
  reason?: string;
}

/** The run a run follows: its object's key and the sha256 of its last (seal) line. */
export interface RunLink {
  key: string;
  seal: string;
}

export interface ActionRecord extends AuditEntry {
  type: 'action';
  seq: number;
  prev: string;
  /** On the first record only; absent in objects written before runs were chained. */
  after?: RunLink | null;
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
  /** On a run without records (the first line then), as on ActionRecord. */
  after?: RunLink | null;
  /** Ed25519 signature of this line without this field (sign.ts), with audit.signingKeyFile. */
  signature?: string;
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
export function buildChain(entries: readonly AuditEntry[], exitCode: number, who: Who, time: Date, after: RunLink | null = null, signSeal?: (seal: SealRecord) => string): string {
  const lines: string[] = [];
  let prev = GENESIS;
  const iso = time.toISOString();
  // canonical() drops undefined keys, so `after` is written on the first line only (null included).
  const link = (n: number) => (n === 1 ? { after } : {});
  for (const entry of entries) {
    const seq = lines.length + 1;
    const line = canonical({ ...entry, type: 'action', seq, prev, time: iso, exitCode, who, ...link(seq) } satisfies ActionRecord);
    lines.push(line);
    prev = sha256(line);
  }
  const seq = lines.length + 1;
  const seal: SealRecord = { type: 'seal', seq, prev, time: iso, records: entries.length, last: prev, ...link(seq) };
  lines.push(canonical(signSeal ? { ...seal, signature: signSeal(seal) } : seal));
  return lines.join('\n') + '\n';
}
