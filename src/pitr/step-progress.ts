/**
 * Progress of a point-in-time restore's long steps (Progress.step: a bar on a TTY, NDJSON events
 * with --json): the physical restore as bytes in the copy's data directory against the backup's
 * size, WAL replay as the segment the server last restored from the archive (its log says so)
 * against the segment holding the first commit after the target, and the tenant read as the
 * archive's bytes. Replay is followed through the log rather than pg_last_wal_replay_lsn(): that
 * needs hot_standby, which makes recovery pause whenever the production server's max_connections
 * and the like exceed the copy's.
 */
import { open } from 'node:fs/promises';
import type { Progress } from '../context.js';
import { runTool } from '../exec.js';
import { formatLsn, parseSegmentName } from './wal-names.js';

const EVERY_MS = 1000;

/** Reports the data directory's size once a second until `stop()`, then once more as the end. */
export function watchRestore(progress: Progress, dataDir: string, total: number | undefined): { stop(): Promise<void> } {
  const report = (done: number, end = false) => progress.step({ step: 'restore', label: 'physical restore', done, ...(total === undefined ? {} : { total }), unit: 'bytes', end });
  const size = async () => Number((await runTool('du', ['-sb', '--', dataDir]).catch(() => '')).split('\t')[0]) || 0;
  report(0);
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, EVERY_MS));
      // A file pgBackRest is still writing may vanish under du: that second's report is skipped.
      if (running) report(await size());
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      report(await size(), true);
    },
  };
}

/** The segment named by the last `restored log file "X" from archive` line of a server log. */
export function lastRestoredSegment(log: string): string | undefined {
  const all = [...log.matchAll(/restored log file "([0-9A-F]{24})" from archive/g)];
  return all[all.length - 1]?.[1];
}

/** Replay reports: from the backup's start LSN to the target LSN, in bytes of WAL. */
export function replayReporter(progress: Progress, startLsn: bigint, targetLsn: bigint, segmentBytes: number): { seen(log: string): void; end(): void } {
  const total = Number(targetLsn - startLsn);
  const report = (lsn: bigint, end = false) =>
    progress.step({
      step: 'replay',
      label: 'WAL replay',
      done: Math.max(0, Math.min(total, Number(lsn - startLsn))),
      total,
      unit: 'lsn',
      end,
      fields: { lsn: formatLsn(lsn), targetLsn: formatLsn(targetLsn) },
    });
  let last = startLsn;
  report(startLsn);
  return {
    seen: (log) => {
      const segment = lastRestoredSegment(log);
      const parsed = segment ? parseSegmentName(segment, segmentBytes) : undefined;
      if (!parsed) return;
      last = BigInt(parsed.segno) * BigInt(segmentBytes);
      report(last);
    },
    end: () => report(targetLsn > last ? targetLsn : last, true),
  };
}

/** create's own progress, with its archive bytes also reported as the `read` step. */
export function readProgress(progress: Progress): Progress & { end(): void } {
  let bytes = 0;
  const report = (end = false) => progress.step({ step: 'read', label: 'tenant read', done: bytes, unit: 'bytes', end });
  return {
    start: (label, total) => {
      progress.start(label, total);
      report();
    },
    addBytes: (n) => {
      progress.addBytes(n);
      bytes += n;
      report();
    },
    itemDone: () => progress.itemDone(),
    stop: () => progress.stop(),
    step: (r) => progress.step(r),
    end: () => report(true),
  };
}

/** The complete lines a growing file has gained since the last call. */
export function logTail(file: string): () => Promise<string> {
  let offset = 0;
  let partial = '';
  return async () => {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return '';
    try {
      const { size } = await handle.stat();
      if (size <= offset) return '';
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const text = partial + buffer.subarray(0, bytesRead).toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      partial = text.slice(cut);
      return text.slice(0, cut);
    } finally {
      await handle.close();
    }
  };
}
