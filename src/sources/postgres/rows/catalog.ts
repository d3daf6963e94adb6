/**
 * What rows mode needs from the PostgreSQL catalog: the tables of the configured schemas with
 * their columns, primary keys and foreign keys, in the engine-neutral shape of rows/plan.ts.
 * Partitions are folded into their partitioned table: a foreign key declared on partitions only
 * (Pagila's payment) counts as the partitioned table's own.
 */
import type pg from 'pg';
import type { PlanForeignKey, PlanTableInput } from '../../rows/plan.js';
import { listTables } from '../catalog.js';

export interface RowsCatalog {
  tables: PlanTableInput[];
  foreignKeys: PlanForeignKey[];
}

export async function readRowsCatalog(client: pg.Client, schemas: readonly string[]): Promise<RowsCatalog> {
  const listed = await listTables(client, schemas);
  const names = listed.map((t) => `${t.schema}.${t.name}`);
  const columns = await client.query<{ t: string; name: string; nullable: boolean }>(
    `SELECT n.nspname || '.' || c.relname AS t, a.attname AS name, NOT a.attnotnull AS nullable
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND (n.nspname || '.' || c.relname) = ANY($1::text[])
      ORDER BY n.nspname, c.relname, a.attnum`,
    [names],
  );
  const keys = await client.query<{ t: string; cols: string[] }>(
    `SELECT n.nspname || '.' || c.relname AS t,
            array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(attnum, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.i)::text[] AS cols
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'p' AND (n.nspname || '.' || c.relname) = ANY($1::text[])`,
    [names],
  );
  const tables = listed.map((t) => {
    const name = `${t.schema}.${t.name}`;
    return {
      schema: t.schema,
      name: t.name,
      columns: columns.rows.filter((c) => c.t === name).map((c) => ({ name: c.name, nullable: c.nullable })),
      primaryKey: keys.rows.find((k) => k.t === name)?.cols ?? [],
    };
  });
  return { tables, foreignKeys: await readForeignKeys(client, new Set(names)) };
}

async function readForeignKeys(client: pg.Client, tables: Set<string>): Promise<PlanForeignKey[]> {
  // Foreign keys inherited by partitions (conparentid <> 0) are copies of their parent's; keys
  // declared on a partition itself are attributed to the partition tree's root.
  const res = await client.query<{ name: string; t: string; cols: string[]; r: string; rcols: string[]; deferrable: boolean }>(
    `WITH fk AS (
       SELECT k.conname, k.condeferrable, k.conkey, k.confkey, k.conrelid, k.confrelid,
              coalesce(pg_partition_root(k.conrelid), k.conrelid) AS root,
              coalesce(pg_partition_root(k.confrelid), k.confrelid) AS froot
         FROM pg_constraint k WHERE k.contype = 'f' AND k.conparentid = 0)
     SELECT fk.conname AS name, fk.condeferrable AS deferrable,
            (SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = fk.root) AS t,
            (SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = fk.froot) AS r,
            array(SELECT a.attname FROM unnest(fk.conkey) WITH ORDINALITY u(attnum, i) JOIN pg_attribute a ON a.attrelid = fk.conrelid AND a.attnum = u.attnum ORDER BY u.i)::text[] AS cols,
            array(SELECT a.attname FROM unnest(fk.confkey) WITH ORDINALITY u(attnum, i) JOIN pg_attribute a ON a.attrelid = fk.confrelid AND a.attnum = u.attnum ORDER BY u.i)::text[] AS rcols
       FROM fk ORDER BY 1`,
  );
  const seen = new Set<string>();
  const out: PlanForeignKey[] = [];
  for (const row of res.rows) {
    if (!tables.has(row.t) || !tables.has(row.r)) continue;
    // One key per (table, columns, referenced table): the per-partition copies collapse into one.
    const identity = `${row.t}|${row.cols.join(',')}|${row.r}|${row.rcols.join(',')}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    out.push({ name: row.name, table: row.t, columns: row.cols, references: row.r, referencedColumns: row.rcols, deferrable: row.deferrable });
  }
  return out;
}

export interface LargeObjectColumn {
  table: string;
  column: string;
  type: string;
}

/**
 * Columns of `tables` that hold large object ids: type `oid`, or a domain over it (the `lo`
 * extension's `lo`). A rows archive copies the ids only, never the objects they point at.
 */
export async function largeObjectColumns(client: pg.Client, tables: readonly string[]): Promise<LargeObjectColumn[]> {
  const res = await client.query<LargeObjectColumn>(
    `SELECT n.nspname || '.' || c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type ty ON ty.oid = a.atttypid
      WHERE a.attnum > 0 AND NOT a.attisdropped AND (n.nspname || '.' || c.relname) = ANY($1::text[])
        AND (a.atttypid = 'oid'::regtype OR (ty.typtype = 'd' AND ty.typbasetype = 'oid'::regtype))
      ORDER BY 1, a.attnum`,
    [tables],
  );
  return res.rows;
}
