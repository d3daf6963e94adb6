/**
 * Prometheus samples of any command's run, for the `prometheus` notification channel: the run
 * itself (finished, duration, exit code) and per tenant what the run learnt (backups: last
 * success, size, duration, failed; verify and restore: when and whether it failed). Only series the
 * run has facts for are written; writeMetricsFile keeps the others, so a failed backup leaves the
 * tenant's last success where it was. Pure: test/unit/notify-derive.test.ts.
 */
import { parseArchiveId, parseTimestamp } from '../archive/layout.js';
import { FAMILIES, type Sample } from './metrics.js';

type Loose = Record<string, unknown>;
const arr = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : []);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export interface CommandRun {
  command: string;
  exitCode: number;
  startedAt: Date;
  finishedAt: Date;
}

function backupSamples(archive: Loose): Sample[] {
  const source = str(archive.source);
  const tenant = str(archive.tenant);
  if (!source || !tenant) return [];
  const labels = { source, tenant };
  const samples: Sample[] = [{ name: FAMILIES.tenantFailed.name, labels, value: archive.status === 'ok' ? 0 : 1 }];
  const duration = num(archive.durationMs);
  if (duration !== undefined) samples.push({ name: FAMILIES.tenantDuration.name, labels, value: duration / 1000 });
  const size = num(archive.size);
  if (archive.status !== 'failed' && size !== undefined) samples.push({ name: FAMILIES.tenantBytes.name, labels, value: size });
  // The archive id carries its time: the same instant list shows and schedule-run reports.
  const ref = archive.status === 'ok' ? parseArchiveId(str(archive.id) ?? '') : undefined;
  const time = ref ? parseTimestamp(ref.timestamp) : undefined;
  if (time) samples.push({ name: FAMILIES.lastSuccess.name, labels, value: seconds(time) });
  return samples;
}

function tenantOf(id: unknown): { source: string; tenant: string } | undefined {
  const ref = parseArchiveId(str(id) ?? '');
  return ref ? { source: ref.source, tenant: ref.tenant } : undefined;
}

const PER_COMMAND: Record<string, (result: Loose, run: CommandRun) => Sample[]> = {
  create: (r) => (r.dryRun === true ? [] : arr(r.archives).flatMap(backupSamples)),
  'schedule-run': (r) => arr(r.schedules).flatMap((s) => arr(s.archives).flatMap(backupSamples)),
  verify: (r, run) =>
    arr(r.archives).flatMap((a) => {
      const labels = tenantOf(a.id);
      if (!labels) return [];
      return [
        { name: FAMILIES.verifyTimestamp.name, labels, value: seconds(run.finishedAt) },
        { name: FAMILIES.verifyFailed.name, labels, value: a.status === 'failed' ? 1 : 0 },
      ];
    }),
  restore: (r, run) => {
    const labels = tenantOf(r.id);
    if (!labels || r.dryRun === true) return [];
    return [
      { name: FAMILIES.restoreTimestamp.name, labels, value: seconds(run.finishedAt) },
      { name: FAMILIES.restoreFailed.name, labels, value: r.ok === false ? 1 : 0 },
    ];
  },
};

/** The samples of one run; `result` is undefined when the command threw. */
export function commandSamples(run: CommandRun, result: Loose | undefined): Sample[] {
  const labels = { command: run.command };
  return [
    { name: FAMILIES.commandTimestamp.name, labels, value: seconds(run.finishedAt) },
    { name: FAMILIES.commandDuration.name, labels, value: (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 },
    { name: FAMILIES.commandExitCode.name, labels, value: run.exitCode },
    ...(result ? (PER_COMMAND[run.command]?.(result, run) ?? []) : []),
  ];
}
