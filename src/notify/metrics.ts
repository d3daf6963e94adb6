/**
 * Prometheus metrics of schedule runs and of every command (command-metrics.ts), in the text exposition format: written atomically to a
 * file for node_exporter's textfile collector (temp file in the same directory, fsync, rename), and
 * optionally pushed to a Pushgateway. A run only touches the series of its own schedule and tenants;
 * the other series already in the file are kept, so `orgbackup_last_success_timestamp_seconds` of
 * a tenant that failed this time still says when it last succeeded (the value alerts are built on).
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncDirectory } from '../util/sync-directory.js';

export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
}

export const FAMILIES = {
  lastSuccess: { name: 'orgbackup_last_success_timestamp_seconds', help: 'When the newest archive of the tenant was stored (unix seconds).', type: 'gauge' },
  tenantDuration: { name: 'orgbackup_tenant_duration_seconds', help: 'How long the last backup of the tenant took.', type: 'gauge' },
  tenantBytes: { name: 'orgbackup_tenant_size_bytes', help: 'Size of the last stored archive of the tenant.', type: 'gauge' },
  tenantFailed: { name: 'orgbackup_tenant_last_run_failed', help: '1 when the last backup attempt of the tenant failed, else 0.', type: 'gauge' },
  runTimestamp: { name: 'orgbackup_schedule_last_run_timestamp_seconds', help: 'When the last run of the schedule finished (unix seconds).', type: 'gauge' },
  runDuration: { name: 'orgbackup_schedule_last_run_duration_seconds', help: 'How long the last run of the schedule took.', type: 'gauge' },
  runExitCode: { name: 'orgbackup_schedule_last_run_exit_code', help: 'Exit status of the last run of the schedule (0 success, 3 partial, ...).', type: 'gauge' },
  runFailures: { name: 'orgbackup_schedule_last_run_failures', help: 'Tenants that failed in the last run of the schedule.', type: 'gauge' },
  runBytes: { name: 'orgbackup_schedule_last_run_bytes', help: 'Bytes stored by the last run of the schedule.', type: 'gauge' },
  commandTimestamp: { name: 'orgbackup_command_last_run_timestamp_seconds', help: 'When the last run of the command finished (unix seconds).', type: 'gauge' },
  commandDuration: { name: 'orgbackup_command_last_run_duration_seconds', help: 'How long the last run of the command took.', type: 'gauge' },
  commandExitCode: { name: 'orgbackup_command_last_run_exit_code', help: 'Exit status of the last run of the command (0 success, 3 partial, ...).', type: 'gauge' },
  verifyTimestamp: { name: 'orgbackup_verify_last_timestamp_seconds', help: 'When an archive of the tenant was last verified (unix seconds).', type: 'gauge' },
  verifyFailed: { name: 'orgbackup_verify_last_failed', help: '1 when the last verification of an archive of the tenant failed, else 0.', type: 'gauge' },
  restoreTimestamp: { name: 'orgbackup_restore_last_timestamp_seconds', help: 'When the tenant was last restored or a restore of it was attempted (unix seconds).', type: 'gauge' },
  restoreFailed: { name: 'orgbackup_restore_last_failed', help: '1 when the last restore of the tenant failed, else 0.', type: 'gauge' },
  quotaRatio: { name: 'orgbackup_quota_used_ratio', help: 'Share of a plan limit the tenant uses (1 = at the limit), as of the last check that warned.', type: 'gauge' },
} as const satisfies Record<string, MetricFamily>;

const KNOWN = new Map<string, MetricFamily>(Object.values(FAMILIES).map((f) => [f.name, f]));

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function seriesKey(sample: Sample): string {
  const labels = Object.keys(sample.labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(sample.labels[k]!)}"`);
  return `${sample.name}{${labels.join(',')}}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** The exposition text of the samples, one HELP/TYPE block per family, series in a stable order. */
export function formatMetrics(samples: readonly Sample[]): string {
  const byFamily = new Map<string, Map<string, Sample>>();
  for (const sample of samples) {
    const family = byFamily.get(sample.name) ?? new Map<string, Sample>();
    family.set(seriesKey(sample), sample);
    byFamily.set(sample.name, family);
  }
  let out = '';
  for (const name of [...byFamily.keys()].sort()) {
    const family = KNOWN.get(name);
    if (family) out += `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n`;
    for (const [key, sample] of [...byFamily.get(name)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out += `${key} ${formatValue(sample.value)}\n`;
  }
  return out;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Reads our own families back from an earlier file; anything else in it is dropped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = SAMPLE_LINE.exec(line);
    if (!m || !KNOWN.has(m[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    const value = Number(m[3]);
    if (Number.isFinite(value)) samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

/** Earlier samples overlaid with this run's (same name and labels: the new value wins). */
export function mergeSamples(previous: readonly Sample[], current: readonly Sample[]): Sample[] {
  const merged = new Map<string, Sample>();
  for (const sample of [...previous, ...current]) merged.set(seriesKey(sample), sample);
  return [...merged.values()];
}

/** Merges with the file's current content and replaces it atomically; returns the text written. */
export async function writeMetricsFile(file: string, samples: readonly Sample[]): Promise<string> {
  const previous = await readFile(file, 'utf8').then(parseMetrics, (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const text = formatMetrics(mergeSamples(previous, samples));
  // node_exporter reads only *.prom files, so the dot-prefixed temp file is never half-read.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
    // The new name is durable only once the directory is synced: after a crash, the old file or the new one.
    await syncDirectory(path.dirname(file));
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return text;
}

/**
 * PUTs the exposition text to the Pushgateway group `job=orgbackup, schedule=<name>, shard=<tag>`
 * (replacing that group whole: it holds exactly one shard of one schedule); throws on failure.
 */
export async function pushMetrics(gateway: string, group: { schedule: string; shard: string }, text: string, signal?: AbortSignal): Promise<void> {
  const url = `${gateway.replace(/\/+$/, '')}/metrics/job/orgbackup/schedule/${encodeURIComponent(group.schedule)}/shard/${encodeURIComponent(group.shard)}`;
  const timeout = AbortSignal.timeout(10_000);
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain; version=0.0.4' }, body: text, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the Pushgateway answered HTTP ${response.status}`);
}
