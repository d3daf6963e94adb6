/**
 * Records a command's run in the audit trail (src/audit/): one object per run, written after the
 * command finished, from its result (or its error). A run that cannot write its record has done
 * its work, so it is not undone; it exits 1 (or its own non-zero code) with an error saying the
 * trail has a hole, since an operator must know that an action went unrecorded. With
 * audit.required, auditPreflight probes the trail first and the command refuses to start instead.
 */
import { randomBytes } from 'node:crypto';
import { buildChain, canonical, type AuditEntry } from '../audit/chain.js';
import { AUDITED, entriesOfResult, entryOfFailure } from '../audit/entries.js';
import { readNewest } from '../audit/read.js';
import { linkToNewest } from '../audit/runs.js';
import { loadSigningKey, signSeal } from '../audit/sign.js';
import { auditKey, auditStorageName, whoRuns } from '../audit/trail.js';
import type { Context } from '../context.js';
import { ExitCode, OrgbackupError, PreflightError, errorMessage, isOrgbackupError, type ExitCodeValue } from '../errors.js';
import type { CommandResultBase } from './render/index.js';

export class AuditHoleError extends OrgbackupError {}

/** audit.required and the trail cannot be written: the command did not start. */
export class AuditRequiredError extends PreflightError {}

async function write(command: string, entries: AuditEntry[], exitCode: number, actor: string | undefined, ctx: Context): Promise<AuditHoleError | undefined> {
  if (entries.length === 0) return undefined;
  const who = whoRuns(actor, ctx.env);
  const time = ctx.now();
  let name = '(none)';
  try {
    name = auditStorageName(ctx.config);
    const storage = await ctx.storage(name);
    const key = auditKey(time, who.host, who.pid);
    // No signal: an interrupted run's record is written all the same (it is a few hundred bytes).
    const newest = await readNewest(storage);
    const signing = await loadSigningKey(ctx.config);
    const text = buildChain(entries, exitCode, who, time, linkToNewest(newest ? [newest] : []), signing ? (seal) => signSeal(seal, signing) : undefined);
    for (const line of text.trimEnd().split('\n')) ctx.log.debug(`audit ${line}`, { audit: JSON.parse(line) as unknown });
    await storage.put(key, Buffer.from(text, 'utf8'));
    return undefined;
  } catch (error) {
    // The records still reach the log, so the hole can be filled by hand from it.
    for (const entry of entries) ctx.log.error(`audit record not written: ${canonical(entry)}`, { audit: entry });
    return new AuditHoleError(
      `the audit trail has a hole: the ${entries.length} record(s) of this ${command} run could not be written to storage "${name}": ${errorMessage(error)}`,
      exitCode === ExitCode.ok ? ExitCode.failed : (exitCode as ExitCodeValue),
      { hint: "the command's own work is done (see its result); fix the storage (space, permissions, credentials), and note this run in your records by hand", cause: error },
    );
  }
}

/** Whether the config asks for the trail; a config that did not load asks for nothing. */
function auditEnabled(ctx: Context): boolean {
  try {
    return ctx.config.audit?.enabled === true;
  } catch {
    return false;
  }
}

/**
 * With audit.required, before an audited command does anything: the trail's storage must let this
 * run list and read the trail and write under the day's prefix (a probe object written and
 * removed where the run's own object will go, never read as a run: it does not end in .ndjson).
 */
export async function auditPreflight(command: string, ctx: Context): Promise<void> {
  if (!AUDITED.has(command) || !auditEnabled(ctx) || ctx.config.audit?.required !== true) return;
  let name = '(none)';
  try {
    name = auditStorageName(ctx.config);
    const storage = await ctx.storage(name);
    const who = whoRuns(undefined, ctx.env);
    await readNewest(storage, ctx.signal);
    const probe = auditKey(ctx.now(), who.host, who.pid).replace(/\.ndjson$/, `-${randomBytes(4).toString('hex')}.probe`);
    await storage.put(probe, Buffer.from('orgbackup audit probe\n', 'utf8'), { signal: ctx.signal });
    await storage.delete(probe, { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw new AuditRequiredError(`the audit trail cannot be written to storage "${name}" (audit.required is true), so ${command} did not start: ${errorMessage(error)}`, {
      hint: 'fix that storage (permissions, space, credentials) so _audit/ can be written, or set audit.required to false to let commands run and report the hole afterwards',
      cause: error,
    });
  }
}

/** Whether this command's run is recorded in the trail (which then needs every item of its result). */
export function auditsCommand(command: string, ctx: Context): boolean {
  return AUDITED.has(command) && auditEnabled(ctx);
}

/** After a command returned: its result, with ok/exitCode changed when the record was not written. */
export async function auditResult<R extends CommandResultBase>(command: string, result: R, actor: string | undefined, ctx: Context): Promise<{ result: R; hole?: AuditHoleError }> {
  if (!AUDITED.has(command) || !auditEnabled(ctx)) return { result };
  const entries = entriesOfResult(command, result as unknown as Record<string, unknown>);
  const hole = await write(command, entries, result.exitCode, actor, ctx);
  return hole ? { result: { ...result, ok: false, exitCode: hole.exitCode }, hole } : { result };
}

/** After a command threw: one failed entry, unless it was a usage error (nothing was attempted). */
export async function auditFailure(command: string, options: Record<string, unknown>, error: unknown, actor: string | undefined, ctx: Context): Promise<AuditHoleError | undefined> {
  // A command stopped by the audit probe did nothing, and its record could not be written anyway.
  if (!AUDITED.has(command) || !auditEnabled(ctx) || error instanceof AuditRequiredError) return undefined;
  const exitCode = isOrgbackupError(error) ? error.exitCode : ExitCode.failed;
  if (exitCode === ExitCode.usage) return undefined;
  return write(command, [entryOfFailure(command, options, errorMessage(error))], exitCode, actor, ctx);
}
