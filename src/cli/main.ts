/**
 * The one error boundary and the one exit point (DESIGN.md convention 2): signals become an
 * AbortController, results are rendered to stdout, errors become a one-or-two-line message and
 * an exit code. Stack traces only with --verbose or for internal bugs.
 */
import { Chalk, supportsColor, supportsColorStderr } from 'chalk';
import { CommanderError } from 'commander';
import { loadConfig } from '../config/load.js';
import { assertSecretFilesReadable } from '../config/secret-files.js';
import { ExitCode, InterruptedError, isOrgbackupError, errorMessage } from '../errors.js';
import { redact } from '../redact.js';
import { noProgress } from '../context.js';
import { auditFailure, auditPreflight, auditResult, auditsCommand } from './audit-hook.js';
import { createContext } from './context-factory.js';
import { notifies, notifyFailure, notifyResult, notifyStart } from './notify-hook.js';
import { runners } from './dispatch.js';
import { Printer } from './printer.js';
import { BarProgress, EventProgress } from './progress.js';
import { buildProgram, type GlobalOptions } from './program.js';
import { renderResult } from './render/index.js';
import { RESULT_SCHEMA_VERSION } from '../results/version.js';
import { printable } from './render/printable.js';
import { StreamedItems } from './render/stream.js';

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    if (interrupts > 1) process.exit(signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
    controller.abort(new InterruptedError(signal));
    // Cleanup has this long to finish before the process gives up on it.
    setTimeout(() => process.exit(signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm), 30_000).unref();
  });
}

// A closed stdout or stderr (`orgbackup create | head`) must not kill a backup half-way and leave
// its temp files behind: the output is dropped from then on, and the run finishes and cleans up.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

function colorEnabled(globals: GlobalOptions, level: unknown): boolean {
  return globals.color !== false && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && !!level;
}

/** The sources a command connects to (empty: all), so their secret files are checked at load; undefined: none. */
function sourcesToConnect(command: string, options: Record<string, unknown>): string[] | undefined {
  const connects = ['create', 'restore', 'schedule-run'].includes(command) || (command === 'diff' && options.live === true);
  if (!connects) return undefined;
  const named = options.source;
  return Array.isArray(named) ? named.map(String) : typeof named === 'string' ? [named] : [];
}

let currentCommand = 'orgbackup';
let currentGlobals: GlobalOptions = {};

async function dispatch(command: string, options: Record<string, unknown>, globals: GlobalOptions): Promise<void> {
  currentCommand = command;
  currentGlobals = globals;
  const stdoutChalk = new Chalk({ level: colorEnabled(globals, supportsColor) && process.stdout.isTTY ? (supportsColor ? supportsColor.level : 0) : 0 });
  const stderrChalk = new Chalk({ level: colorEnabled(globals, supportsColorStderr) && process.stderr.isTTY ? (supportsColorStderr ? supportsColorStderr.level : 0) : 0 });
  const showProgress = !!process.stderr.isTTY && globals.progress !== false && !globals.json && !globals.quiet;
  const bars = showProgress ? new BarProgress(process.stderr) : undefined;
  const printer = new Printer({ json: !!globals.json, quiet: !!globals.quiet, verbose: !!globals.verbose, chalk: stderrChalk, stderr: process.stderr, beforeWrite: () => bars?.clearLine() });

  if (command === 'init') {
    const { runInit } = await import('../commands/init.js');
    const result = await runInit({ path: options.path as string | undefined, cwd: process.cwd() });
    process.stdout.write(renderResult(result, { json: !!globals.json, chalk: stdoutChalk }));
    process.exitCode = result.exitCode;
    return;
  }
  const loaded = await loadConfig({ configPath: globals.config });
  const connects = sourcesToConnect(command, options);
  if (connects) assertSecretFilesReadable(loaded.config, connects, loaded.filepath);
  // Without a TTY, --json makes the long steps (a point-in-time restore's) NDJSON progress events.
  const progress = bars ?? (globals.json && !globals.quiet ? new EventProgress(printer) : noProgress);
  const owned = createContext({ loaded, printer, progress, signal: controller.signal, verbose: !!globals.verbose });
  try {
    const runner = runners[command];
    if (!runner) throw new Error(`internal: no runner for ${command}`);
    const write = (text: string) => void process.stdout.write(text);
    const streamed = new StreamedItems(command, { json: !!globals.json, chalk: stdoutChalk, write, retain: auditsCommand(command, owned.ctx) || notifies(owned.ctx) });
    owned.ctx.items = streamed;
    let returned;
    const startedAt = owned.ctx.now();
    try {
      await auditPreflight(command, owned.ctx);
      await notifyStart(command, options, owned.ctx);
      returned = await runner({ ...(options as { args: unknown[] }), globalJson: !!globals.json, globalActor: globals.actor }, owned.ctx);
    } catch (error) {
      const hole = await auditFailure(command, options, error, globals.actor, owned.ctx);
      if (hole) printer.error(`${hole.message}\nhint: ${hole.hint}`);
      await notifyFailure(command, options, error, startedAt, owned.ctx);
      throw error;
    }
    // The hooks read every item; items already written to stdout are passed on as retained.
    const field = streamed.field;
    const rest = (returned as { archives?: unknown[]; stale?: unknown[] })[field] ?? [];
    const whole = streamed.started ? { ...returned, [field]: [...streamed.retained, ...rest] } : returned;
    const { result, hole } = await auditResult(command, whole, globals.actor, owned.ctx);
    await notifyResult(command, result, startedAt, owned.ctx);
    if (hole) printer.error(`${hole.message}\nhint: ${hole.hint}`);
    process.stdout.write(streamed.finish(streamed.started ? { ...result, [field]: rest } : result));
    process.exitCode = result.exitCode;
  } finally {
    bars?.stop();
    await owned.dispose();
  }
}

function reportError(error: unknown): number {
  const aborted = controller.signal.reason as unknown;
  const effective = controller.signal.aborted && aborted instanceof InterruptedError ? aborted : error;
  const known = isOrgbackupError(effective);
  const exitCode = known ? effective.exitCode : ExitCode.failed;
  const message = redact(known ? effective.message : `internal error: ${errorMessage(effective)}`);
  const hint = known && effective.hint ? redact(effective.hint) : undefined;
  const printer = new Printer({ json: !!currentGlobals.json, quiet: false, verbose: false, chalk: new Chalk({ level: 0 }), stderr: process.stderr });
  if (currentGlobals.json) {
    printer.error(message, { exitCode, ...(hint ? { hint } : {}) });
    process.stdout.write(JSON.stringify({ schemaVersion: RESULT_SCHEMA_VERSION, command: currentCommand, ok: false, exitCode, error: { message, ...(hint ? { hint } : {}) } }, null, 2) + '\n');
  } else {
    const c = new Chalk({ level: colorEnabled(currentGlobals, supportsColorStderr) && process.stderr.isTTY && supportsColorStderr ? supportsColorStderr.level : 0 });
    const text = (s: string) => printable(s, { keepNewlines: true });
    process.stderr.write(`${c.red('error:')} ${text(message)}\n${hint ? `${c.gray('hint:')} ${text(hint)}\n` : ''}`);
  }
  if ((currentGlobals.verbose || !known) && effective instanceof Error && effective.stack) process.stderr.write(redact(effective.stack) + '\n');
  // With -v, the words of the server or tool behind a translated error (e.g. PostgreSQL's own message).
  if (currentGlobals.verbose && effective instanceof Error && effective.cause instanceof Error) process.stderr.write(`cause: ${redact(effective.cause.message)}\n`);
  return exitCode;
}

let finished = false;
// If the event loop empties while a command is still awaiting something (a stream nobody will
// ever end), Node would exit quietly; that must never look like success to cron or CI.
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  process.exitCode = reportError(new Error('the run stopped before it finished: an operation was left waiting with nothing to wake it (an internal bug)'));
});

async function main(): Promise<void> {
  const program = buildProgram(dispatch);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    process.exitCode = reportError(error);
  } finally {
    finished = true;
  }
}

await main();
