/**
 * The one place child processes are started (DESIGN.md convention 6): argv arrays, never a shell;
 * secrets only through `env` or 0600 files; the run's AbortSignal stops the child; a failure
 * carries the exit code or signal and the tail of stderr, redacted.
 */
import { execa, type ResultPromise } from 'execa';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { OrgbackupError, ExitCode } from './errors.js';
import { redact } from './redact.js';

export interface ToolOptions {
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  cwd?: string;
  /** Data written to the child's stdin: a string/buffer or a stream. */
  input?: string | Buffer | Readable;
  /** Where the child's stdout goes; by default it is collected and returned. */
  stdout?: Writable;
}

export class ToolError extends OrgbackupError {
  readonly tool: string;
  readonly toolExitCode: number | undefined;
  readonly stderrTail: string;
  constructor(tool: string, detail: string, stderrTail: string, toolExitCode?: number) {
    const tail = stderrTail.trim() ? `: ${stderrTail.trim()}` : '';
    super(redact(`${tool} ${detail}${tail}`), ExitCode.failed);
    this.tool = tool;
    this.toolExitCode = toolExitCode;
    this.stderrTail = redact(stderrTail);
  }
}

const STDERR_TAIL_LINES = 6;

export function tailLines(text: string, lines = STDERR_TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function toolName(file: string): string {
  return file.split('/').pop() ?? file;
}

/** Starts a tool whose stdout is consumed as a stream; `done` settles when it exits. */
export function spawnTool(file: string, args: readonly string[], options: ToolOptions = {}): { stdout: Readable; stdin: Writable | null; done: Promise<void> } {
  const child = startChild(file, args, options, 'stream');
  if (!child.stdout) throw new Error(`internal: ${file} has no stdout pipe`);
  // execa may set the child's stdout flowing before the caller attaches a consumer; a PassThrough
  // piped at once keeps every byte (and still applies backpressure to the child).
  const stdout = new PassThrough({ highWaterMark: 1024 * 1024 });
  child.stdout.pipe(stdout);
  const done = settle(file, child).then(() => undefined);
  // Callers await `done` when they are ready; until then a failure must not count as unhandled.
  done.catch(() => undefined);
  return { stdout, stdin: child.stdin, done };
}

/** Runs a tool to completion and returns its stdout (unless piped to options.stdout). */
export async function runTool(file: string, args: readonly string[], options: ToolOptions = {}): Promise<string> {
  const child = startChild(file, args, options, options.stdout === undefined ? 'collect' : 'stream');
  if (options.stdout && child.stdout) child.stdout.pipe(options.stdout);
  return settle(file, child);
}

/** `collect` buffers stdout for the caller; `stream` leaves it to be read (execa must not also read it). */
function startChild(file: string, args: readonly string[], options: ToolOptions, stdoutMode: 'collect' | 'stream'): ResultPromise {
  const input = options.input;
  const stdin = input === undefined ? 'ignore' : 'pipe';
  const child = execa(file, args, {
    env: options.env,
    extendEnv: true,
    cwd: options.cwd,
    cancelSignal: options.signal,
    stdin,
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: { stdout: stdoutMode === 'collect', stderr: true },
    maxBuffer: { stderr: 1024 * 1024, stdout: 64 * 1024 * 1024 },
    stripFinalNewline: false,
    forceKillAfterDelay: 5000,
    reject: true,
  });
  if (input !== undefined && child.stdin) {
    // A child that exits early closes stdin; that EPIPE is reported through the child's own result.
    child.stdin.on('error', () => undefined);
    if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    // A child may stop reading early (pg_restore --list): pipe() then unpipes the input and
    // leaves it paused; the caller decides whether to drain it.
    else {
      // pipe() does not end the destination when the source fails: end it, or the child waits forever.
      input.once('error', () => child.stdin?.destroy());
      input.pipe(child.stdin);
    }
  }
  return child;
}

async function settle(file: string, child: ResultPromise): Promise<string> {
  const name = toolName(file);
  try {
    const result = await child;
    return typeof result.stdout === 'string' ? result.stdout : '';
  } catch (error) {
    throw toToolError(name, error);
  }
}

interface ExecaFailure {
  code?: string;
  exitCode?: number;
  signal?: string;
  isCanceled?: boolean;
  stderr?: unknown;
}

function toToolError(name: string, error: unknown): Error {
  const failure = error as ExecaFailure;
  const stderr = typeof failure.stderr === 'string' ? tailLines(failure.stderr) : '';
  if (failure.code === 'ENOENT') {
    return new ToolError(name, 'was not found', '', undefined).withHint(`install it or set its path with "tools": {"${name}": "/path/to/${name}"} in the source's config`);
  }
  if (failure.isCanceled) return new ToolError(name, 'was stopped because the run was interrupted', '');
  if (failure.signal) return new ToolError(name, `was killed by ${failure.signal}`, stderr);
  return new ToolError(name, `failed with exit code ${failure.exitCode ?? '?'}`, stderr, failure.exitCode);
}
