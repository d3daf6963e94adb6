/** What batch.ts reads in one pass for many tenants and dump.ts writes each tenant's archive from (a file of its own so the two never import each other). */
import type { SchemaFingerprint } from '../../../archive/manifest.js';
import type { RowsPlan } from '../../rows/plan.js';
import type { RowSpool } from '../../rows/spool.js';
import type { OutsideRows } from './outside.js';

export interface RowsBatch {
  spool: RowSpool;
  /** Tenant id -> its index in the spool. */
  index: Map<string, number>;
  plan: RowsPlan;
  fingerprint: SchemaFingerprint;
  serverVersion: string;
  /** When the snapshot all tenants were read from was taken. */
  snapshotAt: string;
  /** Tenant id -> the rows of other tenants its rows reference (only tenants that have any). */
  outside: Map<string, OutsideRows>;
}
