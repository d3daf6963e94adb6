/** A preflight check result (SPEC.md "Preflight"). */
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
}

export interface PreflightReport {
  command: 'preflight';
  ok: boolean;
  for: PreflightOptions['for'];
  checks: CheckResult[];
}
