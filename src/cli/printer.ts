/**
 * The one writer of logs (stderr): plain text for people, NDJSON for `--json` so log collectors
 * can parse them. Every message passes through redact() on its way out.
 */
import type { ChalkInstance } from 'chalk';
import type { LogFields, Logger } from '../context.js';
import { redact } from '../redact.js';
import { printable } from './render/printable.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface PrinterOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  chalk: ChalkInstance;
  stderr: NodeJS.WritableStream;
  /** Lets a progress bar clear its line before a log line is printed. */
  beforeWrite?: () => void;
}

export class Printer implements Logger {
  constructor(private readonly options: PrinterOptions) {}

  debug(msg: string, fields?: LogFields): void {
    if (this.options.verbose) this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    if (!this.options.quiet) this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  private write(level: Level, msg: string, fields: LogFields = {}): void {
    this.options.beforeWrite?.();
    if (this.options.json) {
      // time, level and msg are the log's own: a field of the same name never replaces them.
      const { time: _time, level: _level, msg: _msg, ...rest } = fields;
      const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...rest });
      this.options.stderr.write(redact(line) + '\n');
      return;
    }
    const c = this.options.chalk;
    const prefix = { debug: c.gray('debug'), info: c.cyan('info'), warn: c.yellow('warn'), error: c.red('error') }[level];
    this.options.stderr.write(`${prefix} ${printable(redact(msg), { keepNewlines: true })}\n`);
  }
}
