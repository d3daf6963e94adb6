/**
 * A preflight check result (SPEC.md "Preflight") and what an engine's checks are given. The shapes
 * live here, below both preflight/ (which runs the checks) and the engines (which write their own
 * in src/sources/<engine>/preflight.ts), so neither imports the other's layer.
 */
import type { Context } from '../../context.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  message: string;
  hint?: string;
  /** The source/storage/tenant it concerns, when it concerns one. */
  subject?: string;
}

/** What a check is run for, and restore --target (where the data goes instead of the source's own place). */
export interface CheckPurpose {
  for: 'create' | 'restore' | 'prune' | 'verify';
  target?: string;
}

/** What an engine's checks may use of the run: its config, base directory, signal and log. */
export type CheckContext = Pick<Context, 'config' | 'baseDir' | 'signal' | 'log'>;

export function pass(id: string, message: string, subject?: string): CheckResult {
  return { id, status: 'pass', message, ...(subject ? { subject } : {}) };
}

export function warn(id: string, message: string, hint: string | undefined, subject?: string): CheckResult {
  return { id, status: 'warn', message, ...(hint ? { hint } : {}), ...(subject ? { subject } : {}) };
}

export function fail(id: string, message: string, hint: string | undefined, subject?: string): CheckResult {
  return { id, status: 'fail', message, ...(hint ? { hint } : {}), ...(subject ? { subject } : {}) };
}
