/**
 * Remote storages (s3, rclone): the bucket or remote answers with these credentials, and a probe
 * object can be written, seen and deleted there. The probe lives under `_probe/`, which no archive
 * key can match, and is removed even when a later step fails. Verify only reads, so it checks
 * reachability alone (read-only credentials are a sound setup for restore tests in CI).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Context } from '../context.js';
import { errorMessage, isOrgbackupError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { fail, pass, type CheckResult, type PreflightOptions } from './types.js';

const PROBE_PREFIX = '_probe/';

function hintOf(error: unknown): string | undefined {
  return isOrgbackupError(error) ? error.hint : undefined;
}

async function reachable(storage: Storage, name: string, signal: AbortSignal): Promise<CheckResult> {
  const id = `storage.${name}.reachable`;
  try {
    for await (const _ of storage.list(PROBE_PREFIX, { signal })) break;
    return pass(id, `${storage.location} answers and accepts the credentials (list)`, name);
  } catch (error) {
    return fail(id, `cannot list ${storage.location}: ${errorMessage(error)}`, hintOf(error) ?? `check the storage "${name}" in the config`, name);
  }
}

async function writeProbe(storage: Storage, name: string, signal: AbortSignal): Promise<CheckResult> {
  const id = `storage.${name}.writable`;
  const key = `${PROBE_PREFIX}orgbackup-${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let step = 'write';
  try {
    await storage.put(key, Buffer.from(`orgbackup preflight probe ${new Date().toISOString()}\n`), { signal });
    step = 'read back';
    if (!(await storage.exists(key, { signal }))) throw new Error('the probe object was written but is not there');
    step = 'delete';
    await storage.delete(key, { signal });
    return pass(id, `a probe object was written to and deleted from ${storage.location}`, name);
  } catch (error) {
    if (step !== 'delete') await storage.delete(key).catch(() => undefined);
    return fail(id, `cannot ${step} a probe object in ${storage.location}: ${errorMessage(error)}`, hintOf(error), name);
  }
}

export async function checkRemoteStorage(ctx: Context, name: string, options?: PreflightOptions): Promise<CheckResult[]> {
  const type = ctx.config.storage[name]?.type;
  if (type !== 's3' && type !== 'rclone') return [];
  let storage: Storage;
  try {
    storage = await ctx.storage(name);
  } catch (error) {
    return [fail(`storage.${name}.config`, `storage "${name}" cannot be set up: ${errorMessage(error)}`, hintOf(error), name)];
  }
  const first = await reachable(storage, name, ctx.signal);
  if (first.status === 'fail' || options?.for === 'verify') return [first];
  return [first, await writeProbe(storage, name, ctx.signal)];
}
