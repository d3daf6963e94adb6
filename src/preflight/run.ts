/**
 * Runs the preflight checks for the selected sources and storages. Checks are plain functions
 * listed per kind below (a new storage type adds its checks to that list); each source's checks
 * are its engine's (Engine.preflight, in src/sources/<engine>/preflight.ts). Every check
 * runs (one failure does not hide the next), and a check that throws becomes a failed check.
 * The groups run concurrently (see runPreflight).
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
  // The groups (the process, each storage, each source) share nothing, so they run at once: a
  // create's preflight then costs its slowest group (a connection, a tool's --version), not the
  // sum of all. Within a group the checks stay in order; the report keeps the groups' order.
  const groups = [
    inOrder(
      'process',
      processChecks.map((check) => () => check(ctx, options)),
    ),
  ];
  for (const name of options.storages) {
    const checks = storageChecks[ctx.config.storage[name]?.type ?? ''] ?? [];
    groups.push(
      inOrder(
        `storage.${name}`,
        checks.map((check) => () => check(ctx, name, options)),
      ),
    );
  }
  for (const name of options.sources) {
    const config = ctx.config.sources[name];
    if (config) groups.push(guarded(`source.${name}`, () => engineOf(config).preflight(ctx, name, config, options)));
  }
  const checks = (await Promise.all(groups)).flat();
  return { command: 'preflight', ok: !checks.some((c) => c.status === 'fail'), for: options.for, checks };
}

/** Runs a group's checks one after another (a later check may rely on an earlier one's finding). */
async function inOrder(scope: string, steps: (() => Promise<CheckResult[]>)[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const step of steps) results.push(...(await guarded(scope, step)));
  return results;
}

async function guarded(scope: string, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    const hint = isOrgbackupError(error) ? error.hint : undefined;
    return [{ id: `${scope}.check`, status: 'fail', message: `the check could not run: ${errorMessage(error)}`, ...(hint ? { hint } : {}) }];
  }
}
