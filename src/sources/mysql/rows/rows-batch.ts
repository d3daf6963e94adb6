/** What batch.ts reads in one pass for many tenants and dump.ts writes each tenant's archive from (a file of its own so the two never import each other). */
import type { SchemaFingerprint } from '../../../archive/manifest.js';
import type { RowsPlan } from '../../rows/plan.js';
import type { RowSpool } from '../../rows/spool.js';
import type { DatabaseCharset } from '../catalog.js';
import type { Found, TableTypes } from './outside.js';

export interface MysqlRowsBatch {
  /** Per table and tenant: the rows as encoded lines (encoded-rows.ts). */
  spool: RowSpool;
  /** Tenant id -> its index in the spool. */
  index: Map<string, number>;
  plan: RowsPlan;
  types: TableTypes;
  fingerprint: SchemaFingerprint;
  serverVersion: string;
  charset: DatabaseCharset | undefined;
  collations: ReadonlyMap<string, string>;
  /** When the snapshot all tenants were read from was taken. */
  snapshotAt: string;
  /** Tenant id -> the rows of other tenants and shared tables its rows reference (only tenants that have any). */
  outside: Map<string, Found>;
}
