/** The preflight options and report (SPEC.md "Preflight") and the shapes of the check functions. */
import type { Context } from '../context.js';
import type { CheckPurpose, CheckResult } from '../sources/checks/result.js';

// The result shapes live below the engines, which write checks too (src/sources/checks/result.ts).
export { fail, pass, warn, type CheckResult, type CheckStatus } from '../sources/checks/result.js';

export interface PreflightOptions extends CheckPurpose {
  sources: string[];
  storages: string[];
  /** create --jobs (else defaults.jobs): how many uploads may spool to the temp dir at once. */
  jobs?: number;
}

export interface PreflightReport {
  command: 'preflight';
  ok: boolean;
  for: PreflightOptions['for'];
  checks: CheckResult[];
}

/** Checks about the process itself (identity, umask, temp directory, encryption keys). */
export type ProcessCheck = (ctx: Context, options: PreflightOptions) => Promise<CheckResult[]>;

/** Checks of one configured source or storage, by its name in the config. */
export type NamedCheck = (ctx: Context, name: string, options: PreflightOptions) => Promise<CheckResult[]>;
