/**
 * `orgbackup audit`: the trail, newest first, filtered; `orgbackup audit verify`: every object's
 * hash chain checked (src/audit/verify-chain.ts), exit 5 naming the object and line of the first
 * break in each. Both read only the `_audit/` prefix of the audit storage, never archives.
 */
import type { ActionRecord } from '../audit/chain.js';
import { readTrail } from '../audit/read.js';
import { checkRuns } from '../audit/runs.js';
import { loadVerifyKey, signatureProblem } from '../audit/sign.js';
import { auditKeepWithin, auditStorageName } from '../audit/trail.js';
import { checkChain } from '../audit/verify-chain.js';
import type { Context } from '../context.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { parseDuration } from '../util/duration.js';

export interface AuditOptions {
  source?: string;
  tenant?: string;
  action?: string;
  since?: string;
}

export type AuditRecord = Omit<ActionRecord, 'type' | 'prev' | 'seq' | 'after'> & { object: string; seq: number };

export interface AuditResult {
  command: 'audit';
  ok: boolean;
  exitCode: ExitCodeValue;
  storage: string;
  records: AuditRecord[];
  /** Lines that are not action records (damaged); `audit verify` says more. */
  unreadable: number;
}

export interface AuditObjectCheck {
  key: string;
  status: 'ok' | 'tampered' | 'unsigned' | 'bad-signature';
  records: number;
  line?: number;
  error?: string;
}

export interface AuditVerifyResult {
  command: 'audit-verify';
  ok: boolean;
  exitCode: ExitCodeValue;
  storage: string;
  objects: AuditObjectCheck[];
  /** Whether seals were checked against a key (audit.verifyKeyFile or signingKeyFile). */
  signatures: boolean;
  /** The runs no run follows yet (the newest of each branch): record them elsewhere to detect their removal later. */
  heads: string[];
}

function matches(record: ActionRecord, options: AuditOptions, since: number | undefined): boolean {
  if (options.source !== undefined && record.source !== options.source) return false;
  if (options.tenant !== undefined && record.tenant !== options.tenant) return false;
  if (options.action !== undefined && record.action !== options.action) return false;
  return since === undefined || Date.parse(record.time) >= since;
}

export async function runAudit(options: AuditOptions, ctx: Context): Promise<AuditResult> {
  const since = options.since === undefined ? undefined : ctx.now().getTime() - parseDuration(options.since, '--since');
  const name = auditStorageName(ctx.config);
  const records: AuditRecord[] = [];
  let unreadable = 0;
  for (const object of await readTrail(await ctx.storage(name), ctx.signal)) {
    for (const line of object.text.split('\n').filter(Boolean)) {
      let parsed: ActionRecord;
      try {
        parsed = JSON.parse(line) as ActionRecord;
      } catch {
        unreadable++;
        continue;
      }
      if (parsed.type !== 'action') continue;
      if (!matches(parsed, options, since)) continue;
      const { type: _type, prev: _prev, after: _after, ...shown } = parsed;
      records.push({ ...shown, object: object.key });
    }
  }
  // Newest first; within a run, the order it acted in, reversed.
  records.sort((a, b) => b.time.localeCompare(a.time) || b.object.localeCompare(a.object) || b.seq - a.seq);
  return { command: 'audit', ok: true, exitCode: ExitCode.ok, storage: name, records, unreadable };
}

export async function runAuditVerify(ctx: Context): Promise<AuditVerifyResult> {
  const name = auditStorageName(ctx.config);
  const objects: AuditObjectCheck[] = [];
  const trail = await readTrail(await ctx.storage(name), ctx.signal);
  const runs = checkRuns(trail, new Date(ctx.now().getTime() - auditKeepWithin(ctx.config)));
  const runProblems = new Map(runs.problems.map((p) => [p.key, p.message]));
  const verifyKey = await loadVerifyKey(ctx.config);
  for (const object of trail) {
    const linkProblem = runProblems.get(object.key);
    const chain = checkChain(object.text) ?? (linkProblem ? { line: 1, message: linkProblem } : undefined);
    const signature = chain || !verifyKey ? undefined : signatureProblem(object.text, verifyKey);
    const lineCount = object.text.trimEnd().split('\n').length;
    const problem = chain ? { status: 'tampered' as const, ...chain } : signature ? { ...signature, line: lineCount } : undefined;
    const records = object.text.split('\n').filter((l) => l.includes('"type":"action"')).length;
    if (!problem) {
      objects.push({ key: object.key, status: 'ok', records });
      continue;
    }
    ctx.log.error(`audit object ${object.key} in storage "${name}", line ${problem.line}: ${problem.message}`);
    objects.push({ key: object.key, status: problem.status, records, line: problem.line, error: problem.message });
  }
  const ok = objects.every((o) => o.status === 'ok');
  return { command: 'audit-verify', ok, exitCode: ok ? ExitCode.ok : ExitCode.verification, storage: name, objects, signatures: verifyKey !== undefined, heads: runs.heads };
}
