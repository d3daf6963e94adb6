/**
 * Verify level 3 (`verify --restore-test`): restore the archive into a throwaway place (a database,
 * schema or directory this function creates), compare what arrived with the manifest, and drop
 * the place again, whatever happens: after a mismatch, a failed restore, and when the run is
 * interrupted (ctx.signal), because a forgotten scratch copy is tenant data left lying around.
 */
import { archiveEntries } from '../archive/reader.js';
import type { Sidecar } from '../archive/manifest.js';
import type { VerifyItem } from '../archive/verify.js';
import type { Context } from '../context.js';
import type { Decryptor } from '../crypto/types.js';
import { errorMessage } from '../errors.js';
import type { Source, Tenant } from '../sources/types.js';
import type { Storage } from '../storage/types.js';
import { compareRestored } from './compare.js';
import type { Observation, Scratch } from '../sources/scratch.js';

export interface RestoreTestOptions {
  storage: Storage;
  decryptor?: Decryptor;
  /** --scratch: a database server URL, or a directory for files archives. */
  scratch?: string;
}

/** Takes a level-1/2-verified item and returns it with level 3 passed or failed. */
export async function restoreTest(item: VerifyItem, sidecar: Sidecar, source: Source, options: RestoreTestOptions, ctx: Context): Promise<VerifyItem> {
  const started = ctx.now().getTime();
  let scratch: Scratch | undefined;
  try {
    // The engine makes its own throwaway place (sources/<engine>/scratch.ts).
    scratch = await source.createScratch(sidecar, { ...(options.scratch ? { scratch: options.scratch } : {}), tempDir: () => ctx.tempDir(), signal: ctx.signal, log: ctx.log });
    ctx.log.info(`restore test of ${sidecar.id}: restoring into ${scratch.where}`, { event: 'restore-test', id: sidecar.id, scratch: scratch.where });
    const observed = await restoreAndMeasure(source, sidecar, scratch, options, ctx);
    const problems = compareRestored(sidecar, observed);
    const replaced = scratch.replaceAgain && problems.length === 0 ? await replaceAndMeasure(source, sidecar, scratch, options, ctx) : undefined;
    if (replaced) problems.push(...compareRestored(sidecar, replaced).map((p) => `after restoring over the first copy: ${p}`));
    const report = { where: scratch.where, ...summarise(observed), ...(replaced ? { replaced: true } : {}), problems, durationMs: ctx.now().getTime() - started };
    if (problems.length === 0) return { ...item, levels: [...item.levels, 3], restoreTest: report };
    return {
      ...item,
      status: 'failed',
      failedLevel: 3,
      restoreTest: report,
      error: `the restored data differs from the manifest: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
      hint: 'the archive does not hold what its manifest says; do not rely on it, and take a new backup',
    };
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // An engine's createScratch attaches the privilege its throwaway copy needs (sources/scratch.ts).
    const hint = (error as { hint?: string }).hint;
    return { ...item, status: 'failed', failedLevel: 3, error: `the restore test failed: ${errorMessage(error)}`, ...(hint ? { hint } : {}) };
  } finally {
    if (scratch) await dropScratch(scratch, ctx);
  }
}

async function restoreAndMeasure(source: Source, sidecar: Sidecar, scratch: Scratch, options: RestoreTestOptions, ctx: Context): Promise<Observation> {
  const tenant: Tenant = { id: sidecar.tenant.id, ...(sidecar.tenant.name ? { name: sidecar.tenant.name } : {}) };
  await source.restore(tenant, {
    sidecar,
    entries: archiveEntries(options.storage, sidecar, { decryptor: options.decryptor, signal: ctx.signal }),
    // The scratch place is new and empty: no schema to reconcile, nothing to keep.
    options: { target: scratch.target, conflict: 'replace', force: true, dryRun: false },
    signal: ctx.signal,
    log: ctx.log,
    tempDir: await ctx.tempDir(),
  });
  await scratch.afterLoad?.();
  return scratch.measure();
}

/**
 * The second restore, over the copy just loaded: the scratch now exists, so the source takes its
 * in-place path. Its failure is the archive's failure for a real restore over the tenant.
 */
async function replaceAndMeasure(source: Source, sidecar: Sidecar, scratch: Scratch, options: RestoreTestOptions, ctx: Context): Promise<Observation> {
  ctx.log.info(`restore test of ${sidecar.id}: restoring again over the first copy, as an in-place restore does`, { event: 'restore-test-replace', id: sidecar.id });
  try {
    return await restoreAndMeasure(source, sidecar, scratch, options, ctx);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const failure = new Error(`it loaded into a new database, but restoring it over an existing one (as restore does in place) failed: ${errorMessage(error)}`);
    throw Object.assign(failure, { hint: 'a restore of this archive over the live database would fail and roll back; restore it with --target into a new database, and report the message' });
  }
}

function summarise(observed: Observation): { tables: number; rows: number; files?: number; locale?: Observation['locale'] } {
  const tables = observed.tables ?? [];
  return { tables: tables.length, rows: tables.reduce((n, t) => n + t.rows, 0), ...(observed.files ? { files: observed.files.count } : {}), ...(observed.locale ? { locale: observed.locale } : {}) };
}

/** Never throws: a scratch that cannot be dropped is reported, and the verdict on the archive stands. */
async function dropScratch(scratch: Scratch, ctx: Context): Promise<void> {
  try {
    await scratch.drop();
    ctx.log.debug(`restore test: dropped ${scratch.where}`);
  } catch (error) {
    ctx.log.error(`restore test: could not drop ${scratch.where}: ${errorMessage(error)}`, {
      event: 'restore-test-cleanup',
      hint: 'drop it by hand; its name starts with ob_rt_ / orgbackup-restore-test-',
    });
  }
}
