/**
 * After rows with explicit ids are loaded, the sequences feeding those id columns (serial,
 * identity, or a DEFAULT nextval of any sequence) are moved past the largest id, never back:
 * the next insert by the application must not collide with a restored row.
 */
import type pg from 'pg';
import type { PlannedTable } from '../../rows/plan.js';
import { quoteIdent } from '../catalog.js';
import { tableRef } from './sql.js';

export interface SequenceColumn {
  column: string;
  sequence: string;
}

export async function sequenceColumns(client: pg.Client, table: PlannedTable): Promise<SequenceColumn[]> {
  const res = await client.query<SequenceColumn>(
    `SELECT DISTINCT a.attname AS column, s.oid::regclass::text AS sequence
       FROM pg_attribute a
       JOIN pg_depend d ON (d.classid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype IN ('a', 'i'))
                        OR (d.classid = 'pg_attrdef'::regclass AND d.objid = (SELECT ad.oid FROM pg_attrdef ad WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum))
       JOIN pg_class s ON s.oid = CASE WHEN d.classid = 'pg_class'::regclass THEN d.objid ELSE d.refobjid END AND s.relkind = 'S'
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND format_type(a.atttypid, NULL) IN ('smallint', 'integer', 'bigint', 'numeric')`,
    [tableRef(table)],
  );
  return res.rows;
}

/** Moves each sequence of the restored tables past the largest value now in its column. */
export async function advanceSequences(client: pg.Client, tables: readonly PlannedTable[]): Promise<number> {
  let moved = 0;
  for (const table of tables) {
    for (const { column, sequence } of await sequenceColumns(client, table)) {
      const res = await client.query(
        `SELECT setval($1::regclass, x.m::bigint)
           FROM (SELECT max(${quoteIdent(column)}) AS m FROM ${tableRef(table)}) x, pg_sequences ps
          WHERE ps.schemaname || '.' || ps.sequencename = (SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass)
            AND x.m IS NOT NULL AND x.m > coalesce(ps.last_value, ps.start_value - 1)`,
        [sequence],
      );
      moved += res.rowCount ?? 0;
    }
  }
  return moved;
}
