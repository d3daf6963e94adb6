import type { ChalkInstance } from 'chalk';
import type { ScheduleRunResult } from '../../commands/schedule-run.js';
import { archiveCell } from './create.js';
import { oneLine } from '../../schedule/report.js';
import { formatDuration, table } from './format.js';

export function renderScheduleRun(result: ScheduleRunResult, c: ChalkInstance): string {
  const colour = (status: string) => (status === 'ok' ? c.green(status) : status === 'skipped' ? c.gray(status) : status === 'partial' || status === 'busy' ? c.yellow(status) : c.red(status));
  const rows = result.schedules.map((s) => [
    s.schedule,
    s.shard,
    colour(s.status),
    s.counts ? `${s.counts.ok}/${s.counts.ok + s.counts.partial + s.counts.failed + (s.counts.limited ?? 0)}` : '-',
    formatDuration(s.durationMs),
    s.prune ? s.prune.status : '-',
    s.error ? c.red(oneLine(s.error.message)) : s.status === 'skipped' ? s.reason : '',
  ]);
  let out = table(['SCHEDULE', 'SHARD', 'STATUS', 'STORED', 'TIME', 'PRUNE', 'DETAIL'], rows);
  const failures = result.schedules.flatMap((s) => (s.archives ?? []).filter((a) => a.status !== 'ok'));
  if (failures.length > 0)
    out +=
      '\n' +
      table(
        ['FAILED', 'ERROR'],
        failures.map((a) => [archiveCell(a), c.red((a.error ?? a.reason ?? a.status).split('\n')[0] ?? '')]),
      );
  for (const s of result.schedules) {
    if (s.lastRunStatus && s.lastRunStatus !== 'ok') out += `${s.schedule} (${s.shard}): last run ${s.lastRunStatus} at ${s.lastRun ?? '?'}: ${s.lastRunError ?? 'no reason recorded'}\n`;
  }
  if (result.metrics?.file) out += `metrics written to ${result.metrics.file}\n`;
  return out;
}
