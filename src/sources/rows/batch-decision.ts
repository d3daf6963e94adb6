/**
 * Whether a rows-mode run reads its tenants in one pass (one scan per table into a spool,
 * spool.ts) or one tenant at a time (both engines: postgres/rows/batch.ts, mysql/rows/batch.ts).
 * One pass wins when many of the tenants are selected or the tables are small; it needs room for
 * the spool in the temp directory.
 */
import type { Logger } from '../../context.js';
import { pauseAt } from '../../util/test-hooks.js';
import { RowSpool } from './spool.js';

/** What reading a run's tenants in one pass needs from the run. */
export interface BatchOptions {
  /** How many tenants discovery found (the selected ones are a share of them). */
  discovered: number;
  tempDir: string;
  signal: AbortSignal;
  log: Logger;
}

export interface BatchDecision {
  batch: boolean;
  reason: string;
}

/** Below this the tables are cheap to scan whole, whatever share of tenants is selected. */
const SMALL_TABLES_BYTES = 64 * 1024 * 1024;
/** Below this share of tenants, per-tenant index lookups read less than whole-table scans. */
const MIN_SHARE = 0.25;

/** Whether one pass over the tables beats one query per tenant, and fits the temp directory. */
export function decideBatch(input: { selected: number; discovered: number; tableBytes: number; freeBytes: number }): BatchDecision {
  const { selected, tableBytes, freeBytes } = input;
  const discovered = Math.max(input.discovered, selected);
  if (selected < 2) return { batch: false, reason: 'one tenant selected' };
  const spoolBytes = Math.ceil((tableBytes * selected) / discovered);
  if (spoolBytes > freeBytes / 2) {
    return { batch: false, reason: `the spool (~${mib(spoolBytes)}) would take more than half of the temp directory's free ${mib(freeBytes)}` };
  }
  if (selected / discovered < MIN_SHARE && tableBytes > SMALL_TABLES_BYTES) {
    return { batch: false, reason: `${selected} of ${discovered} tenants selected: per-tenant lookups read less than whole-table scans` };
  }
  return { batch: true, reason: `${selected} tenants read in one pass (spool ~${mib(spoolBytes)})` };
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}

/**
 * Fills a new spool for `tenants` tenants in the read's transaction: `read` reads every table (and
 * the outside rows), then `commit` ends the transaction. The spool is removed again if either fails,
 * so a failed one-pass read leaves nothing behind for the per-tenant reads that follow.
 */
export async function fillSpool<T>(
  tenants: number,
  tables: number,
  options: BatchOptions,
  read: (spool: RowSpool) => Promise<T>,
  commit: () => Promise<unknown>,
): Promise<{ spool: RowSpool; read: T }> {
  const spool = await RowSpool.create(options.tempDir, tenants);
  try {
    const result = await read(spool);
    await pauseAt('rows-spooled', `${tables} tables`, options.signal);
    await commit();
    options.log.debug(`rows mode: ${tables} tables read for ${tenants} tenants, ${mib(spool.size)} spooled`);
    return { spool, read: result };
  } catch (error) {
    await spool.close();
    throw error;
  }
}
