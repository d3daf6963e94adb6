/**
 * How much room the next run's archives need in a storage, per source: the newest complete archive
 * of each tenant that has one there (a firm figure: archives of the same data hardly shrink; new
 * tenants add nothing to it), else, for a source with no archive there yet, the engine's estimate
 * (EngineCode.estimateBytes: the database size, PostgreSQL only). That is meant as an upper bound,
 * since dumps leave out indexes and free space and are usually compressed, but it is no guarantee
 * (an uncompressed dump of bytea, written as hex, can outgrow it); engines without one add nothing.
 */
import { listArchives } from '../archive/catalog.js';
import type { Context } from '../context.js';
import { engineOf } from '../sources/registry.js';
import type { Storage } from '../storage/types.js';

export interface SizeEstimate {
  /** Bytes the selected sources' archives need, from the newest archives (firm) ... */
  firmBytes: number;
  /** ... plus estimates for sources without archives yet (upper bounds). */
  estimatedBytes: number;
  /** The largest single archive among both, for temp space. */
  largestBytes: number;
  /** Each tenant's newest archive (firm), and each estimated source as one archive (an upper bound). */
  archives?: { bytes: number; firm: boolean }[];
  /** How the figure was made, for the message. */
  basis: string[];
}

export async function expectedArchiveSize(ctx: Context, storage: Storage | undefined, sources: readonly string[]): Promise<SizeEstimate> {
  const estimate: SizeEstimate = { firmBytes: 0, estimatedBytes: 0, largestBytes: 0, basis: [], archives: [] };
  for (const source of sources) {
    const newest = storage ? await newestPerTenant(storage, source, ctx.signal) : [];
    if (newest.length > 0) {
      const sum = newest.reduce((a, b) => a + b, 0);
      estimate.firmBytes += sum;
      estimate.largestBytes = Math.max(estimate.largestBytes, ...newest);
      estimate.archives!.push(...newest.map((bytes) => ({ bytes, firm: true })));
      estimate.basis.push(`${source}: newest archives of ${newest.length} tenant(s)`);
      continue;
    }
    const config = ctx.config.sources[source];
    // Undefined from an engine without an estimate; a failed estimate (server down) counts as none:
    // the source's own preflight check reports that.
    const bytes = config
      ? await engineOf(config)
          .estimateBytes(source, config, ctx.baseDir)
          .catch(() => undefined)
      : undefined;
    if (bytes === undefined) continue;
    estimate.estimatedBytes += bytes;
    estimate.largestBytes = Math.max(estimate.largestBytes, bytes);
    estimate.archives!.push({ bytes, firm: false });
    estimate.basis.push(`${source}: no archive yet, database size`);
  }
  return estimate;
}

/** Sizes of each tenant's newest complete archive; unreadable storages count as having none. */
async function newestPerTenant(storage: Storage, source: string, signal: AbortSignal): Promise<number[]> {
  const listings = await listArchives(storage, { source }, signal).catch(() => []);
  const seen = new Set<string>();
  const sizes: number[] = [];
  for (const listing of listings) {
    if (!listing.complete || listing.size === undefined || seen.has(listing.ref.tenant)) continue;
    seen.add(listing.ref.tenant);
    sizes.push(listing.size);
  }
  return sizes;
}
