/** Progress bars on stderr, only when it is a TTY (never in cron, CI or with --json). */
import cliProgress from 'cli-progress';
import type { Progress } from '../context.js';
import { formatBytes } from '../util/bytes.js';

export class BarProgress implements Progress {
  private bar: cliProgress.SingleBar | undefined;
  private bytes = 0;
  private started = 0;
  private done = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(label: string, totalItems: number): void {
    this.stop();
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
