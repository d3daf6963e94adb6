/** A preflight check result (SPEC.md "Preflight") and the shapes of the check functions. */
import type { Context } from '../context.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** The source/storage/tenant it concerns, when it concerns one. */
  subject?: string;
}

export interface PreflightOptions {
  for: 'create' | 'restore' | 'prune' | 'verify';
  sources: string[];
  storages: string[];
  /** create --jobs (else defaults.jobs): how many uploads may spool to the temp dir at once. */
  jobs?: number;
  /** restore --target: where the data goes instead of the source's own place. */
  target?: string;
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

export function pass(id: string, message: string, subject?: string): CheckResult {
  return { id, status: 'pass', message, ...(subject ? { subject } : {}) };
}

export function warn(id: string, message: string, hint: string | undefined, subject?: string): CheckResult {
  return { id, status: 'warn', message, ...(hint ? { hint } : {}), ...(subject ? { subject } : {}) };
}

export function fail(id: string, message: string, hint: string | undefined, subject?: string): CheckResult {
  return { id, status: 'fail', message, ...(hint ? { hint } : {}), ...(subject ? { subject } : {}) };
}
