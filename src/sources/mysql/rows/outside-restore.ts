/**
 * The restore side of MySQL outside references (outside.ts), inside the rows restore's transaction.
 *
 * Into another database (`--target`, a restore test's scratch database) the archived copies of
 * the rows are staged like the tenant's (the same line checker, statements.ts) and the ones the
 * target lacks are added: an empty schema copy then holds every row the tenant's rows reference.
 * They stay there and are never counted as the tenant's. A live restore does not write other
 * tenants' rows: it relies on the live ones, and the final foreign-key check (restore.ts) names a
 * reference the target cannot satisfy, before COMMIT.
 */
import type mysql from 'mysql2/promise';
import type { ResultSetHeader } from 'mysql2/promise';
import { VerificationError } from '../../../errors.js';
import { outsideTableMap } from '../../rows/outside.js';
import { quoteMysqlIdent } from '../connection.js';
import type { StageShape } from './apply.js';
import type { MysqlRowsDetails } from './dump.js';
import { columnList } from './sql.js';

/** A table of outside rows to stage: its qualified name, and the columns its entry was written with. */
export interface OutsideShape extends StageShape {
  table: string;
}

/** The outside entries a restore into another database stages (entry name -> shape), and their staging tables once staged. */
export interface OutsideStaging {
  shapes: Map<string, OutsideShape>;
  stages: Map<string, string>;
}

/**
 * What the manifest says the outside entries hold, checked: each names a table of the archive's
 * own plan (planned or shared) and plain column names; a manifest that names anything else was
 * altered, and nothing is restored.
 */
export function outsideStaging(details: MysqlRowsDetails, archiveId: string): OutsideStaging {
  const known = outsideTableMap(details.plan);
  const shapes = new Map<string, OutsideShape>();
  for (const t of details.outside?.tables ?? []) {
    const table = known.get(t.table);
    const columns = Array.isArray(t.columns) && t.columns.length > 0 && t.columns.every((c) => typeof c === 'string') ? t.columns : undefined;
    if (!table || table.name !== t.name || !columns || typeof t.entry !== 'string') {
      throw new VerificationError(`archive ${archiveId}: its manifest lists outside rows of ${JSON.stringify(t.table)}, which is not a table of its rows plan; nothing was restored`, {
        hint: 'the archive was altered after it was written; use another archive',
      });
    }
    shapes.set(t.entry, { table: t.table, name: t.name, columns, primaryKey: table.primaryKey });
  }
  return { shapes, stages: new Map() };
}

/** Adds the staged outside rows the target lacks; returns how many were added per table. */
export async function loadOutsideRows(client: mysql.Connection, staging: OutsideStaging, archiveId: string): Promise<Record<string, number>> {
  const added: Record<string, number> = {};
  for (const [entry, shape] of staging.shapes) {
    const stage = staging.stages.get(shape.table);
    if (!stage) throw new VerificationError(`archive ${archiveId} lacks its entry ${entry} of outside rows; nothing was restored`, { hint: 'use another archive' });
    const t = quoteMysqlIdent(shape.name);
    const key = shape.primaryKey.length > 0 ? shape.primaryKey : shape.columns;
    // Compared as bytes: a case-insensitive collation must not take another row for this one.
    const match = key.map((c) => `CAST(x.${quoteMysqlIdent(c)} AS BINARY) <=> CAST(s.${quoteMysqlIdent(c)} AS BINARY)`).join(' AND ');
    const [res] = await client.query<ResultSetHeader>(
      `INSERT INTO ${t} (${columnList(shape.columns)}) SELECT ${shape.columns.map((c) => `s.${quoteMysqlIdent(c)}`).join(', ')} FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${t} x WHERE ${match})`,
    );
    added[shape.table] = res.affectedRows;
  }
  return added;
}
