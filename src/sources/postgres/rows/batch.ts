/**
 * Rows mode for many tenants at once: every planned table is read once, in one REPEATABLE READ
 * READ ONLY transaction, as keyed COPY text (`<tenant index>\t<row>`), and routed into a disk
 * spool of per-tenant segments (src/sources/rows/spool.ts). Each tenant's archive is then written
 * from its segments (dump.ts), with `--jobs` archives at a time.
 *
 * Why: one sequential scan per table replaces one index scan per table per tenant, which on rows
 * spread over the heap reads most pages once per tenant (bench/RESULTS.md "Tenants"). All tenants
 * of the run see the same snapshot, and the snapshot is held only while the tables are read.
 * When few of the tenants are selected, or the spool would crowd the temp directory, the plan says
 * so and each tenant is read on its own instead (dump.ts).
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PostgresSourceConfig } from '../../../config/schema.js';
import type { SchemaFingerprint } from '../../../archive/manifest.js';
import { freeBytes } from '../../../util/free-space.js';
import type { RowsPlan } from '../../rows/plan.js';
import { decideBatch, fillSpool, type BatchOptions } from '../../rows/batch-decision.js';
import type { Tenant } from '../../types.js';
import { serverVersion, quoteTable } from '../catalog.js';
import { withPgClient, type PgConnection } from '../connection.js';
import { cachedCatalog } from './dump.js';
import type { RowsBatch } from './rows-batch.js';
import { keyedCopyOutSql } from './sql.js';
import { crossingKeys } from '../../rows/outside.js';
import type { OutsideRows } from './outside.js';
import { readOutsideRowsBatch, type KeysRelation } from './outside-batch.js';

/** Reads the selected tenants' rows into a spool; undefined when reading them one by one is better. */
export async function readRowsBatch(conn: PgConnection, config: PostgresSourceConfig, tenants: readonly Tenant[], options: BatchOptions): Promise<RowsBatch | undefined> {
  return withPgClient(conn, async (client) => {
    const version = await serverVersion(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshotAt = new Date().toISOString();
    const { plan, fingerprint } = await cachedCatalog(client, config);
    const decision = decideBatch({ selected: tenants.length, discovered: options.discovered, tableBytes: await tableBytes(client, plan), freeBytes: (await freeBytes(options.tempDir)) ?? 0 });
    // Said at info level when reading in one pass: the progress bar does not move until it is done.
    if (decision.batch) options.log.info(`rows mode: ${decision.reason}`);
    else options.log.debug(`rows mode: one query per tenant: ${decision.reason}`);
    if (!decision.batch) {
      await client.query('ROLLBACK');
      return undefined;
    }
    // Every table is read whole: hash joins over sequential scans, never a lookup per key.
    await client.query('SET LOCAL enable_nestloop = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off');
    const { spool, read: outside } = await fillSpool(
      tenants.length,
      plan.tables.length,
      options,
      async (spool) => {
        const keys = keysRelation(client, tenants, fingerprint);
        for (const table of plan.tables) {
          const copy = client.query(copyTo(keyedCopyOutSql(plan, table, keys)));
          await pipeline(copy, spool.router(table.table), { signal: options.signal });
        }
        spool.routingDone();
        return readBatchOutside(client, plan, tenants, keys);
      },
      () => client.query('COMMIT'),
    );
    return { spool, index: new Map(tenants.map((t, i) => [t.id, i])), plan, fingerprint, serverVersion: version, snapshotAt, outside };
  });
}

/**
 * Each tenant's outside references, in the batch's snapshot, all tenants' at once (outside-batch.ts),
 * with the planner's lookups back on: the rows referenced are few next to the tenants' own. Only
 * schemas with a foreign key that can leave the tenant pay for them (outside.ts).
 */
async function readBatchOutside(client: pg.Client, plan: RowsPlan, tenants: readonly Tenant[], keys: KeysRelation): Promise<Map<string, OutsideRows>> {
  const outside = new Map<string, OutsideRows>();
  if (crossingKeys(plan).length === 0) return outside;
  await client.query('SET LOCAL enable_nestloop = on; SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on');
  for (const [i, found] of await readOutsideRowsBatch(client, plan, keys, tenants.length)) outside.set(tenants[i]!.id, found);
  return outside;
}

/** `(SELECT i, id ...)`: the tenants' ids typed like the anchor's filter column, with their index. */
function keysRelation(client: pg.Client, tenants: readonly Tenant[], fingerprint: SchemaFingerprint): KeysRelation {
  const ids = `ARRAY[${tenants.map((t) => client.escapeLiteral(t.id)).join(', ')}]::text[]`;
  return (anchor) => {
    const type = fingerprint.tables.find((t) => t.name === anchor.table)?.columns.find((c) => c.name === anchor.filterColumn)?.type;
    if (!type) throw new Error(`internal: no type for ${anchor.table}.${anchor.filterColumn} in the schema fingerprint`);
    return `(SELECT (u.n - 1)::int AS i, u.id FROM unnest(${ids}::${type}[]) WITH ORDINALITY AS u(id, n))`;
  };
}

/** Heap bytes of the planned tables (partitions included). */
async function tableBytes(client: pg.Client, plan: RowsPlan): Promise<number> {
  // A partitioned table ('p') stores nothing itself: its size is its partitions' (pg_partition_tree).
  const res = await client.query<{ bytes: string }>(
    `SELECT coalesce(sum(CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree(c.oid) p) ELSE pg_relation_size(c.oid) END), 0)::text AS bytes
       FROM unnest($1::text[]) AS t(name) JOIN pg_class c ON c.oid = t.name::regclass`,
    [plan.tables.map((t) => quoteTable(t))],
  );
  return Number(res.rows[0]?.bytes ?? 0);
}
