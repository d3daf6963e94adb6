/**
 * A source's rows batch for one run (both engines): the run's tenants are told before the first
 * dump (Source.planRun), and the first dump of one of them reads them all in one pass
 * (postgres/rows/batch.ts, mysql/rows/batch.ts); the others then find it done.
 */
import { errorMessage, UsageError } from '../../errors.js';
import type { RunInfo, Tenant } from '../types.js';
import type { BatchOptions } from './batch-decision.js';
import type { RowSpool } from './spool.js';

export type ReadBatch<B> = (tenants: readonly Tenant[], options: BatchOptions) => Promise<B | undefined>;

export class RunBatch<B extends { spool: RowSpool }> {
  private batch: Promise<B | undefined> | undefined;
  private readonly ids: Set<string>;

  constructor(
    private readonly source: string,
    private readonly tenants: readonly Tenant[],
    private readonly info: RunInfo,
  ) {
    this.ids = new Set(tenants.map((t) => t.id));
  }

  /**
   * The batch when `tenant` is in the run. Reading it fails over to one query per tenant (each
   * tenant then succeeds or fails on its own), unless the run was stopped or the config is wrong.
   */
  async for(tenant: Tenant, read: ReadBatch<B>): Promise<B | undefined> {
    if (!this.ids.has(tenant.id)) return undefined;
    const { info } = this;
    this.batch ??= (async () => {
      try {
        return await read(this.tenants, { discovered: info.discovered, tempDir: await info.tempDir(), signal: info.signal, log: info.log });
      } catch (error) {
        // A stopped run, or a config the plan cannot be made from (the same for every tenant), is
        // not something reading tenant by tenant could get past.
        if (info.signal.aborted || error instanceof UsageError) throw error;
        info.log.warn(`${this.source}: reading all tenants' rows in one pass failed (${errorMessage(error)}); reading each tenant on its own`);
        return undefined;
      }
    })();
    return this.batch;
  }

  /** Removes the spool once the run is over. */
  async close(): Promise<void> {
    const batch = await this.batch?.catch(() => undefined);
    await batch?.spool.close();
  }
}
