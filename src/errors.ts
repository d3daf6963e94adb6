/**
 * The exit-code table of SPEC.md, in one place. Everything below src/cli throws these; only
 * src/cli/main.ts turns them into a process exit code (DESIGN.md convention 2).
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  preflight: 4,
  verification: 5,
  busy: 75,
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
  /** The work ran in one transaction that was undone: the target is as it was (see OrgbackupError.rolledBack). */
  rolledBack?: boolean;
}

/** An error the user can act on: a message (what happened, why) and a hint (what to do). */
export class OrgbackupError extends Error {
  exitCode: ExitCodeValue;
  hint: string | undefined;
  /**
   * A restore that failed inside its one transaction (or session), which was rolled back: the
   * target is unchanged. The restore-rolled-back notification is told by this flag, not by the text.
   */
  rolledBack: boolean;

  constructor(message: string, exitCode: ExitCodeValue = ExitCode.failed, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = details.hint;
    this.rolledBack = details.rolledBack === true;
  }

  /** Marks the error as a rolled-back restore (see rolledBack). */
  markRolledBack(): this {
    this.rolledBack = true;
    return this;
  }

  withHint(hint: string): this {
    this.hint = hint;
    return this;
  }

  withExitCode(code: ExitCodeValue): this {
    this.exitCode = code;
    return this;
  }
}

/** Invalid usage or configuration: nothing was attempted. */
export class UsageError extends OrgbackupError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.usage, details);
  }
}

/** Configuration problems, reported all at once as `path: message` lines. */
export class ConfigError extends UsageError {
  readonly problems: string[];
  constructor(problems: string[], file?: string) {
    const where = file ? ` in ${file}` : '';
    super(`invalid configuration${where}:\n  ${problems.join('\n  ')}`, {
      hint: 'fix the keys above; `orgbackup init` writes a commented starter config',
    });
    this.problems = problems;
  }
}

export class PreflightError extends OrgbackupError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.preflight, details);
  }
}

/** An archive is damaged, incomplete, undecryptable or not restorable. */
export class VerificationError extends OrgbackupError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.verification, details);
  }
}

/** What to do about an archive that fails a check (damaged, altered, or not written by orgbackup). */
export const DAMAGED_ARCHIVE_HINT = 'do not rely on this archive: restore another archive of the tenant (`orgbackup list`), and check the others with `orgbackup verify`';

export class BusyError extends OrgbackupError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, ExitCode.busy, details);
  }
}

/** The run was interrupted by a signal; thrown out of aborted operations. */
export class InterruptedError extends OrgbackupError {
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`, signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
  }
}

export function isOrgbackupError(error: unknown): error is OrgbackupError {
  return error instanceof OrgbackupError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The exit status of a run over many items: all ok 0, some failed 3, all failed 1. */
export function exitCodeForItems(statuses: readonly string[]): ExitCodeValue {
  const failed = statuses.filter((s) => s === 'failed').length;
  if (failed === 0) return ExitCode.ok;
  return failed === statuses.length ? ExitCode.failed : ExitCode.partial;
}
