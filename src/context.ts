/**
 * What a command is handed (DESIGN.md): config, storages, sources, a logger and progress
 * reporter, a clock, the run's AbortSignal, a private temp directory and a way to ask the operator.
 * Commands never touch console or process; the CLI builds this object and tests may build their own.
 */
import type { Config } from './config/schema.js';
import type { Storage } from './storage/types.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where one long step of a command stands (a physical restore's bytes, WAL replayed up to an LSN). */
export interface StepReport {
  /** e.g. `restore`, `replay`, `read`. */
  step: string;
  /** What it is, for people: `physical restore`. */
  label: string;
  done: number;
  /** undefined when the end is not known beforehand. */
  total?: number;
  unit: 'bytes' | 'lsn';
  /** true on the last report of the step. */
  end?: boolean;
  /** Extra fields for the NDJSON event (e.g. the LSNs as PostgreSQL writes them). */
  fields?: Record<string, string>;
}

/**
 * Progress of a run over items (tenants, archives) with bytes, and of long steps: bars when stderr
 * is a TTY, NDJSON `progress` events for steps with --json, else nothing.
 */
export interface Progress {
  start(label: string, totalItems: number): void;
  addBytes(bytes: number): void;
  itemDone(): void;
  stop(): void;
  step(report: StepReport): void;
}

export interface Context {
  config: Config;
  /** Directory relative config paths are resolved against. */
  baseDir: string;
  configPath: string;
  log: Logger;
  progress: Progress;
  now(): Date;
  signal: AbortSignal;
  /** A private (0700) temp directory for this run, removed when the run ends. */
  tempDir(): Promise<string>;
  storage(name: string): Promise<Storage>;
  /** true when a person can answer prompts (stdin and stderr are TTYs). */
  interactive: boolean;
  /** Asks a question on the terminal; only when `interactive`. */
  ask(question: string): Promise<string>;
  env: Record<string, string | undefined>;
  verbose: boolean;
  /**
   * Where a command whose result lists one item per archive (list, prune, verify) hands each item
   * as soon as it is final, instead of keeping the fleet's items in its result: the CLI writes them
   * to stdout at once. `for(command)` is undefined when the run is not that command (a schedule's
   * prune keeps its items), and for callers that want the whole result (tests, the library).
   */
  items?: ResultItems;
}

export interface ResultItems {
  /** The writer of the `archives` of `command`'s result, when that command is the one being run. */
  for(command: string): ((item: unknown) => void) | undefined;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const noProgress: Progress = { start() {}, addBytes() {}, itemDone() {}, stop() {}, step() {} };
