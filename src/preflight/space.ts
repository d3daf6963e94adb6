/**
 * Free space in each local storage path and in the temp directory against the expected size of
 * the run's archives (see expected-size.ts). Only for create: the other commands write little.
 * Firm figures (the newest archives) fail below the need; database-size estimates are upper
 * bounds, so they warn below the estimate and fail only below a twentieth of it, which even a
 * very compressible dump without indexes does not go under.
 */
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import { freeBytes } from '../util/free-space.js';
import { formatBytes } from '../util/bytes.js';
import { expectedArchiveSize, type SizeEstimate } from './expected-size.js';
import { localStoragePath } from './storage-local.js';
import { fail, pass, warn, type CheckResult, type NamedCheck, type ProcessCheck } from './types.js';
import { writeProbe } from './write-probe.js';

const ESTIMATE_FLOOR = 1 / 20;
/** Below this, even a tiny backup's password files and tool output cannot be written. */
const TEMP_MINIMUM = 1024 * 1024;

const estimates = new WeakMap<Context, Map<string, Promise<SizeEstimate>>>();

/** One estimate per storage and run: the database is asked once even when several checks need it. */
function estimateFor(ctx: Context, storageName: string | undefined, sources: readonly string[]): Promise<SizeEstimate> {
  let perCtx = estimates.get(ctx);
  if (!perCtx) estimates.set(ctx, (perCtx = new Map<string, Promise<SizeEstimate>>()));
  const key = storageName ?? '';
  let found = perCtx.get(key);
  if (!found) {
    found = (async () => expectedArchiveSize(ctx, storageName ? await ctx.storage(storageName) : undefined, sources))();
    perCtx.set(key, found);
  }
  return found;
}

export function judgeSpace(id: string, where: string, free: number, need: SizeEstimate, subject?: string, fix?: string): CheckResult {
  const firm = need.firmBytes;
  const total = firm + need.estimatedBytes;
  const basis = need.basis.length > 0 ? ` (${need.basis.join('; ')})` : '';
  const summary = `${formatBytes(free)} free in ${where}; the run needs about ${formatBytes(total)}${basis}`;
  const hint = fix ?? `free space on the filesystem holding ${where}, prune old archives (\`orgbackup prune\`), or point the storage at a larger volume`;
  if (free < firm + need.estimatedBytes * ESTIMATE_FLOOR) return fail(id, summary, hint, subject);
  if (free < total) return warn(id, `${summary}; the estimate is an upper bound, the archives are usually smaller`, hint, subject);
  return pass(id, summary, subject);
}

export const checkStorageSpace: NamedCheck = async (ctx, name, options) => {
  const dir = localStoragePath(ctx, name);
  if (!dir || options.for !== 'create') return [];
  const free = await freeBytes(dir);
  if (free === undefined) return [];
  return [judgeSpace(`storage.${name}.space`, dir, free, await estimateFor(ctx, name, options.sources), name)];
};

export const checkTempDir: ProcessCheck = async (ctx, options) => {
  // The same directory the run's private temp directory is made in (cli/context-factory.ts).
  const dir = path.resolve(os.tmpdir());
  const probe = await writeProbe(dir);
  if (!probe.ok) {
    return [
      fail(
        'temp.write',
        `cannot write to the temp directory ${dir} (${probe.step}: ${probe.code})`,
        `set TMPDIR to a directory this user may write (e.g. \`TMPDIR=/app/backups/.tmp\`), or make ${dir} writable`,
      ),
    ];
  }
  const checks = [pass('temp.write', `the temp directory ${dir} is writable`)];
  const free = await freeBytes(dir);
  if (free === undefined || options.for !== 'create') return checks;
  if (free < TEMP_MINIMUM) {
    checks.push(fail('temp.space', `only ${formatBytes(free)} free in the temp directory ${dir}`, `free space there or set TMPDIR to a directory on a larger filesystem`));
    return checks;
  }
  const local = options.storages.find((s) => ctx.config.storage[s]?.type === 'local');
  const need = await estimateFor(ctx, local, options.sources);
  const message = `${formatBytes(free)} free in the temp directory ${dir}; the largest archive is about ${formatBytes(need.largestBytes)}`;
  // Only formats that need a seekable file spool there, so a small temp directory is a warning.
  checks.push(free < need.largestBytes ? warn('temp.space', message, 'set TMPDIR to a directory on a larger filesystem') : pass('temp.space', message));
  return checks;
};

/** Remote storage types whose uploads are spooled to the temp dir for replay (storage/retry.ts). */
const SPOOLED_TYPES = new Set(['s3', 'rclone']);

/**
 * What the upload spool needs at once: `concurrent` archives, the largest expected ones (a firm
 * figure only when every one of them is).
 */
export function spoolNeed(archives: readonly { bytes: number; firm: boolean }[], concurrent: number): SizeEstimate {
  const largest = [...archives].sort((a, b) => b.bytes - a.bytes).slice(0, concurrent);
  const sum = (list: typeof largest) => list.reduce((total, a) => total + a.bytes, 0);
  const firm = largest.every((a) => a.firm);
  return { firmBytes: firm ? sum(largest) : 0, estimatedBytes: firm ? 0 : sum(largest), largestBytes: largest[0]?.bytes ?? 0, basis: [] };
}

/**
 * Uploads to S3/rclone keep a copy of the archive in the temp dir until they are done (so that a
 * failed upload can be replayed): up to 2 x jobs tenants upload at once (create lets a tenant's
 * upload finish while the next one dumps), each spooling its whole archive.
 */
export const checkUploadSpool: ProcessCheck = async (ctx, options) => {
  const remote = options.storages.filter((s) => SPOOLED_TYPES.has(ctx.config.storage[s]?.type ?? ''));
  if (options.for !== 'create' || remote.length === 0) return [];
  const dir = path.resolve(os.tmpdir());
  const free = await freeBytes(dir);
  if (free === undefined) return [];
  const concurrent = 2 * (options.jobs ?? ctx.config.defaults.jobs);
  const estimate = await estimateFor(ctx, remote[0], options.sources);
  const need = spoolNeed(estimate.archives ?? [], concurrent);
  if (need.largestBytes === 0) return [];
  need.basis.push(`the upload spool for ${remote.map((s) => `"${s}"`).join(', ')}: one archive per upload, up to ${concurrent} at once with --jobs ${concurrent / 2}`);
  const where = `the temp directory ${dir} (TMPDIR)`;
  const fix = `set TMPDIR to a directory on a filesystem with about ${formatBytes(need.firmBytes + need.estimatedBytes)} free (e.g. \`TMPDIR=/var/tmp orgbackup create\`), or lower --jobs / defaults.jobs`;
  return [judgeSpace('temp.spool', where, free, need, undefined, fix)];
};
