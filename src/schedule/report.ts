/**
 * What one schedule run tells the outside world: the webhook report and the Prometheus samples,
 * both derived from the create result (or the error that stopped the run) — pure functions, so the
 * notification and metrics stay consistent with the command's own result.
 */
import type { TenantBackup } from '../backup/backup-tenant.js';
import type { ArchiveListing } from '../archive/catalog.js';
import { FAMILIES, type Sample } from '../notify/metrics.js';
import type { FailedTenant, RunReport } from '../notify/webhook.js';

export interface RunFacts {
  schedule: string;
  shard: string;
  exitCode: number;
  sources: string[];
  storages: string[];
  archives: readonly TenantBackup[];
  error?: string;
  startedAt: Date;
  finishedAt: Date;
}

export type RunStatus = RunReport['status'];

export function statusOf(exitCode: number): RunStatus {
  return exitCode === 0 ? 'ok' : exitCode === 3 ? 'partial' : 'failed';
}

/**
 * Why a run did not succeed, on one line for a cron log and the `_state` record: the error that
 * stopped it, else the first tenants that failed. Undefined for a run that succeeded.
 */
export function runReason(facts: Pick<RunFacts, 'exitCode' | 'archives' | 'error'>): string | undefined {
  if (facts.exitCode === 0) return undefined;
  if (facts.error) return oneLine(facts.error);
  const bad = facts.archives.filter((a) => a.status !== 'ok');
  if (bad.length === 0) return `exit ${facts.exitCode}`;
  const shown = bad.slice(0, 2).map((a) => `${a.source}/${a.tenant}: ${oneLine(a.error ?? a.reason ?? (a.status === 'partial' ? 'not stored in every storage' : 'failed'))}`);
  const more = bad.length > shown.length ? `; and ${bad.length - shown.length} more` : '';
  return `${bad.length} tenant(s) not backed up: ${shown.join('; ')}${more}`;
}

/** A multi-line message (a preflight report) as one line: lines trimmed, joined by "; " (a space after a colon). */
export function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.reduce((out, line) => (out === '' ? line : `${out}${out.endsWith(':') ? ' ' : '; '}${line}`), '');
}

export function countArchives(archives: readonly TenantBackup[]): RunReport['counts'] {
  const counts = { ok: 0, partial: 0, failed: 0, limited: 0 };
  for (const a of archives) counts[a.status]++;
  return counts;
}

export function buildRunReport(facts: RunFacts): RunReport {
  const failed: FailedTenant[] = facts.archives
    .filter((a) => a.status !== 'ok')
    .map((a) => ({ source: a.source, tenant: a.tenant, error: a.error ?? a.reason ?? (a.status === 'partial' ? 'not stored in every storage' : 'failed') }));
  return {
    schedule: facts.schedule,
    shard: facts.shard,
    status: statusOf(facts.exitCode),
    exitCode: facts.exitCode,
    sources: facts.sources,
    storages: facts.storages,
    counts: countArchives(facts.archives),
    failed,
    ...(facts.error ? { error: facts.error } : {}),
    startedAt: facts.startedAt.toISOString(),
    finishedAt: facts.finishedAt.toISOString(),
    durationMs: facts.finishedAt.getTime() - facts.startedAt.getTime(),
  };
}

/**
 * Samples of one run. `newest` is the listing of the first storage after the run: the last
 * success of a tenant is its newest complete archive there, so a tenant that failed this time
 * still reports when it last succeeded, even from a stateless pod.
 */
export function runSamples(facts: RunFacts, newest: ReadonlyMap<string, ArchiveListing>): Sample[] {
  const run = { schedule: facts.schedule, shard: facts.shard };
  const report = buildRunReport(facts);
  const samples: Sample[] = [
    { name: FAMILIES.runTimestamp.name, labels: run, value: Math.floor(facts.finishedAt.getTime() / 1000) },
    { name: FAMILIES.runDuration.name, labels: run, value: report.durationMs / 1000 },
    { name: FAMILIES.runExitCode.name, labels: run, value: facts.exitCode },
    { name: FAMILIES.runFailures.name, labels: run, value: report.counts.failed + report.counts.partial },
    { name: FAMILIES.runBytes.name, labels: run, value: facts.archives.reduce((n, a) => n + (a.status === 'failed' ? 0 : (a.size ?? 0)), 0) },
  ];
  for (const a of facts.archives) {
    const tenant = { source: a.source, tenant: a.tenant };
    // A tenant its plan stopped did not fail: its last-success time shows how long it has gone without.
    samples.push({ name: FAMILIES.tenantFailed.name, labels: tenant, value: a.status === 'ok' || a.status === 'limited' ? 0 : 1 });
    samples.push({ name: FAMILIES.tenantDuration.name, labels: tenant, value: a.durationMs / 1000 });
    if (a.status !== 'failed' && a.size !== undefined) samples.push({ name: FAMILIES.tenantBytes.name, labels: tenant, value: a.size });
    const last = newest.get(newestKey(a.source, a.tenant));
    if (last) samples.push({ name: FAMILIES.lastSuccess.name, labels: tenant, value: Math.floor(last.time.getTime() / 1000) });
  }
  return samples;
}

export function newestKey(source: string, tenant: string): string {
  return `${source}\0${tenant}`;
}

/** The newest complete archive per (source, tenant) of a listing. */
export function newestComplete(listings: readonly ArchiveListing[]): Map<string, ArchiveListing> {
  const newest = new Map<string, ArchiveListing>();
  for (const l of listings) {
    if (!l.complete || !l.archiveKey) continue;
    const key = newestKey(l.ref.source, l.ref.tenant);
    const seen = newest.get(key);
    if (!seen || l.time > seen.time) newest.set(key, l);
  }
  return newest;
}
