/**
 * Progress bars on stderr, only when it is a TTY (never in cron, CI or with --json); with --json,
 * long steps are NDJSON `progress` events instead (EventProgress).
 */
import cliProgress from 'cli-progress';
import type { Logger, Progress, StepReport } from '../context.js';
import { formatBytes } from '../util/bytes.js';

/** `1.2 GiB of 4.0 GiB`, `0/5000000 of 0/9000000`. */
export function stepAmount(report: StepReport): string {
  const show = (value: number | undefined, field: string) => (report.unit === 'lsn' ? (report.fields?.[field] ?? '?') : formatBytes(value));
  return report.total === undefined && report.unit === 'bytes' ? show(report.done, 'done') : `${show(report.done, 'lsn')} of ${show(report.total, 'targetLsn')}`;
}

/** NDJSON events for long steps: the first and last report of each step, and one a second between. */
export class EventProgress implements Progress {
  private current: string | undefined;
  private last = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {}
  addBytes(): void {}
  itemDone(): void {}
  stop(): void {}

  step(report: StepReport): void {
    const now = this.clock();
    if (report.step === this.current && !report.end && now - this.last < 1000) return;
    this.current = report.end ? undefined : report.step;
    this.last = now;
    const { step, done, total, unit, end } = report;
    this.log.info(`${report.label}: ${stepAmount(report)}${end ? ' (done)' : ''}`, {
      event: 'progress',
      step,
      done,
      ...(total === undefined ? {} : { total }),
      unit,
      ...(end ? { end: true } : {}),
      ...report.fields,
    });
  }
}

export class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | undefined;
  /** The step the bar shows; undefined while it counts items (the item bar is then left alone). */
  private stepName: string | undefined;
  private bytes = 0;
  private started = 0;
  private done = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(label: string, totalItems: number): void {
    this.stop();
    this.stepName = undefined;
    this.bytes = 0;
    this.done = 0;
    this.started = Date.now();
    this.bar = new cliProgress.SingleBar(
      { stream: this.stream, format: `${label} [{bar}] {value}/{total} | {bytes} | {rate}`, hideCursor: true, clearOnComplete: true, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalItems, 0, this.payload());
  }

  addBytes(bytes: number): void {
    this.bytes += bytes;
    this.bar?.update(this.done, this.payload());
  }

  itemDone(): void {
    this.done++;
    this.bar?.update(this.done, this.payload());
  }

  step(report: StepReport): void {
    if (this.bar && this.stepName === undefined) return;
    if (report.end) {
      this.stop();
      this.stepName = undefined;
      return;
    }
    const total = report.total ?? 0;
    if (this.stepName !== report.step) {
      this.stop();
      this.stepName = report.step;
      const format = report.total === undefined ? `${report.label} {amount}` : `${report.label} [{bar}] {percentage}% | {amount}`;
      this.bar = new cliProgress.SingleBar({ stream: this.stream, format, hideCursor: true, clearOnComplete: true, fps: 5 }, cliProgress.Presets.shades_classic);
      this.bar.start(total, 0, { amount: stepAmount(report) });
    }
    this.bar?.update(Math.min(report.done, total || report.done), { amount: stepAmount(report) });
  }

  /** Clears the bar line so a log line can be printed cleanly. */
  clearLine(): void {
    if (this.bar) this.stream.write('\r\x1b[K');
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private payload(): { bytes: string; rate: string } {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return { bytes: formatBytes(this.bytes), rate: `${formatBytes(this.bytes / seconds)}/s` };
  }
}
