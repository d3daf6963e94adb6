/**
 * The restore side of outside references (outside.ts), inside the rows restore's transaction.
 *
 * Into another database (`--target`, a restore test's scratch database) the archived copies of
 * the rows are added first, parents first, skipping any the target already holds: an empty schema
 * copy then takes the tenant's rows. They stay there (the constraints need them) and are never
 * counted as the tenant's. A live restore does not write other tenants' rows: it relies on the
 * live ones, and before anything changes, every foreign key that can leave the tenant is checked
 * against the staged rows, naming the rows the target lacks.
 */
import type pg from 'pg';
import { OrgbackupError, ExitCode } from '../../../errors.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import type { RowsPlan } from '../../rows/plan.js';
import { verifiedEntry } from '../../verified-entry.js';
import type { StagedTable } from './apply.js';
import type { RowsDetails } from './dump.js';
import { crossingKeys, describeOutsideRestore, outsideTableMap } from '../../rows/outside.js';
import { notTenants } from './outside.js';
import { columnList, tableRef } from './sql.js';

/** Table -> its archived outside rows (row_to_json lines), as read from the archive. */
export type OutsideEntries = Map<string, string[]>;

/** The table an `outside/...` entry holds rows of, or undefined when the entry is not one. */
export function outsideTableOf(details: RowsDetails, entryName: string): string | undefined {
  return details.outside?.tables.find((t) => t.entry === entryName)?.table;
}

/** Reads an outside entry whole (they are small), checked against its sha256 like every entry. */
export async function readOutsideEntry(name: string, body: AsyncIterable<Buffer>, signal: AbortSignal): Promise<string[]> {
  const checked = verifiedEntry(body);
  const plain = await decompress(checked.stream, compressionOfEntry(name), signal);
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of plain.stdout) chunks.push(chunk as Buffer);
  })();
  await Promise.all([reading, plain.done, checked.done]).catch((error: unknown) => {
    throw checked.rootCause(error);
  });
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

/** The tables the archive holds outside rows of (planned and shared), parents first. */
export function outsideTables(details: RowsDetails, outside: OutsideEntries): { schema: string; name: string; table: string }[] {
  return (details.outside?.tables ?? []).filter((t) => (outside.get(t.table)?.length ?? 0) > 0);
}

/** Adds the archived outside rows the target lacks, parents first; returns how many were added per table. */
export async function loadOutsideRows(client: pg.Client, details: RowsDetails, outside: OutsideEntries): Promise<Record<string, number>> {
  const added: Record<string, number> = {};
  for (const t of outsideTables(details, outside)) {
    const columns = await insertableColumns(client, tableRef(t));
    const res = await client.query(
      `INSERT INTO ${tableRef(t)} (${columnList(columns)}) OVERRIDING SYSTEM VALUE
       SELECT ${columnList(columns, 'o')} FROM json_populate_recordset(NULL::${tableRef(t)}, $1::json) o ON CONFLICT DO NOTHING`,
      [`[${outside.get(t.table)!.join(',')}]`],
    );
    added[t.table] = res.rowCount ?? 0;
  }
  return added;
}

/** The target table's columns that take values (generated ones compute their own). */
async function insertableColumns(client: pg.Client, table: string): Promise<string[]> {
  const res = await client.query<{ name: string }>(`SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`, [
    table,
  ]);
  return res.rows.map((r) => r.name);
}

/**
 * Every staged row's foreign keys that can leave the tenant point at a row the target holds or the
 * restore brings: otherwise the restore is refused, naming each key, how many rows it lacks and an
 * example, before anything is written (a deferred check would fail at COMMIT with one key only).
 */
export async function refuseMissingOutside(client: pg.Client, plan: RowsPlan, staged: StagedTable[], literal: string, intoOther: boolean): Promise<void> {
  const stageOf = new Map(staged.map((s) => [s.table.table, s.stage]));
  const byName = outsideTableMap(plan);
  const missing: string[] = [];
  for (const fk of crossingKeys(plan)) {
    const stage = stageOf.get(fk.table);
    if (!stage) continue;
    const to = byName.get(fk.references)!;
    const match = (alias: string) => fk.columns.map((c, i) => `${alias}.${columnList([fk.referencedColumns[i]!])} = s.${columnList([c])}`).join(' AND ');
    const notNull = fk.columns.map((c) => `s.${columnList([c])} IS NOT NULL`).join(' AND ');
    const targetStage = stageOf.get(fk.references);
    // A row of the tenant the restore replaces is not there after it: only staged ones count.
    const inTarget = `EXISTS (SELECT 1 FROM ${tableRef(to)} p WHERE ${match('p')} AND ${notTenants(plan, to, 'p', literal)})`;
    const inStage = targetStage ? ` OR EXISTS (SELECT 1 FROM ${targetStage} p WHERE ${match('p')})` : '';
    const res = await client.query<{ n: string; example: string | null }>(
      `SELECT count(*) AS n, min(ROW(${columnList(fk.columns, 's')})::text) AS example FROM ${stage} s WHERE ${notNull} AND NOT (${inTarget}${inStage})`,
    );
    const n = Number(res.rows[0]?.n ?? 0);
    if (n > 0) missing.push(`${n} row(s) of ${fk.table} through ${fk.name} (${fk.columns.join(', ')} -> ${fk.references}, e.g. ${res.rows[0]!.example})`);
  }
  if (missing.length === 0) return;
  const where = intoOther ? 'the target database' : 'the live database';
  throw new OrgbackupError(`the archived rows reference rows outside the tenant that ${where} lacks: ${missing.join('; ')}; nothing was restored`, ExitCode.failed, {
    hint: intoOther
      ? 'the archive holds no copy of them (it was made before orgbackup recorded outside references, or the rows were deleted since); load them into the target first'
      : "they belong to other tenants (or were deleted since the backup): restore those rows first, or restore this archive with --target into another database, which loads the archive's copies",
  });
}

/** The dry run's line about outside references (rows/outside.ts). */
export function describeOutsidePlan(details: RowsDetails, intoOther: boolean): string[] {
  return describeOutsideRestore(details.outside?.tables ?? [], intoOther);
}
