/**
 * Runs the preflight checks for the selected sources and storages. Checks are plain functions
 * listed per kind below (a new storage type adds its checks to that list); each source's checks
 * are its engine's (Engine.preflight, in src/sources/<engine>/preflight.ts). Every check
 * runs (one failure does not hide the next), and a check that throws becomes a failed check.
 */
import type { Context } from '../context.js';
import { errorMessage, isOrgbackupError } from '../errors.js';
import { checkEncryption } from './encryption.js';
import { checkIdentity, checkUmask } from './identity.js';
import { checkStorageSpace, checkTempDir, checkUploadSpool } from './space.js';
import { checkLocalStorage } from './storage-local.js';
import { checkObjectLock } from './storage-object-lock.js';
import { checkRemoteStorage } from './storage-remote.js';
import { engineOf } from '../sources/registry.js';
import type { CheckResult, NamedCheck, PreflightOptions, PreflightReport, ProcessCheck } from './types.js';

/** About the process itself, run first. */
const processChecks: ProcessCheck[] = [checkIdentity, checkUmask, checkTempDir, checkUploadSpool, checkEncryption];

/** Per storage type, run for each selected storage. */
const storageChecks: Record<string, NamedCheck[]> = {
  local: [checkLocalStorage, checkStorageSpace],
  s3: [checkRemoteStorage, checkObjectLock],
  rclone: [checkRemoteStorage],
};

export async function runPreflight(ctx: Context, options: PreflightOptions): Promise<PreflightReport> {
  const checks: CheckResult[] = [];
  for (const check of processChecks) checks.push(...(await guarded('process', () => check(ctx, options))));
  for (const name of options.storages) {
    for (const check of storageChecks[ctx.config.storage[name]?.type ?? ''] ?? []) {
      checks.push(...(await guarded(`storage.${name}`, () => check(ctx, name, options))));
    }
  }
  for (const name of options.sources) {
    const config = ctx.config.sources[name];
    if (config) checks.push(...(await guarded(`source.${name}`, () => engineOf(config).preflight(ctx, name, config, options))));
  }
  return { command: 'preflight', ok: !checks.some((c) => c.status === 'fail'), for: options.for, checks };
}

async function guarded(scope: string, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    const hint = isOrgbackupError(error) ? error.hint : undefined;
    return [{ id: `${scope}.check`, status: 'fail', message: `the check could not run: ${errorMessage(error)}`, ...(hint ? { hint } : {}) }];
  }
}
