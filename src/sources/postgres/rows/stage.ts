/**
 * The first half of a PostgreSQL rows restore, inside its transaction and before the tenant's rows
 * are touched: each chosen table's entry is streamed (COPY FROM STDIN) into a temp staging table of
 * the same columns; then every staged row must belong to the tenant (the plan's tenant predicate,
 * evaluated over the staged rows: a child row's parent must be a staged row of the tenant). The
 * archive comes back from storage others can write, so a row of another tenant is refused here,
 * with nothing changed.
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import { verifiedEntry } from '../../verified-entry.js';
import type { RestoreContext } from '../../types.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { quoteIdent } from '../catalog.js';
import type { StagedTable } from './apply.js';
import type { RowsDetails } from './dump.js';
import { outsideTableOf, readOutsideEntry, type OutsideEntries } from './outside-restore.js';
import { columnList, tableRef, tenantPredicate } from './sql.js';

/**
 * Streams each chosen table's entry into a temp table; entries of other tables are read past.
 * Outside references (outside.ts) are read into `outside`, by table, when it is given.
 */
export async function stageEntries(client: pg.Client, chosen: PlannedTable[], details: RowsDetails, ctx: RestoreContext, outside?: OutsideEntries): Promise<StagedTable[]> {
  const byEntry = new Map(chosen.map((t) => [details.entries[t.table], t]));
  const staged = new Map<string, StagedTable>();
  for await (const entry of ctx.entries) {
    const outsideTable = outside && outsideTableOf(details, entry.name);
    if (outsideTable) {
      outside.set(outsideTable, await readOutsideEntry(entry.name, entry.body, ctx.signal));
      continue;
    }
    const table = byEntry.get(entry.name);
    if (!table || staged.has(table.table)) {
      for await (const _ of entry.body) void _;
      continue;
    }
    const stage = `"ob_stage_${staged.size}"`;
    await client.query(`CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${columnList(table.columns)} FROM ${tableRef(table)} WITH NO DATA`);
    const checked = verifiedEntry(entry.body);
    const plain = await decompress(checked.stream, compressionOfEntry(entry.name), ctx.signal);
    const sink = client.query(copyFrom(`COPY ${stage} (${columnList(table.columns)}) FROM STDIN`));
    // Staged rows are applied only once their entry matched its sha256 to the last byte.
    await Promise.all([pipeline(plain.stdout, sink), plain.done, checked.done]).catch((error: unknown) => {
      throw checked.rootCause(error);
    });
    staged.set(table.table, { table, stage });
  }
  const missing = chosen.filter((t) => !staged.has(t.table));
  if (missing.length > 0) throw new VerificationError(`archive ${ctx.sidecar.id} lacks the rows of ${missing.map((t) => t.table).join(', ')}`, { hint: DAMAGED_ARCHIVE_HINT });
  return chosen.map((t) => staged.get(t.table)!);
}

/**
 * Every staged row is the tenant's: tenant and root tables by their column, child tables through
 * their planned foreign key to a staged parent row (or, when the parent is not restored, to the
 * tenant's row in the target). A NULL key belongs to nobody: the backup never writes such a row.
 */
export async function assertStagedTenant(client: pg.Client, plan: RowsPlan, staged: StagedTable[], literal: string, details: RowsDetails): Promise<void> {
  for (const { table, stage } of staged) {
    let foreignRows: string;
    if (table.role !== 'child') foreignRows = `(s.${quoteIdent(table.filterColumn!)} = ${literal}) IS NOT TRUE`;
    else {
      // An anti-join, not `NOT IN`: it stays a hash join however many rows are staged.
      const fk = table.via!;
      const parent = plan.tables.find((t) => t.table === fk.references)!;
      const parentStage = staged.find((s) => s.table.table === parent.table)?.stage;
      const match = fk.columns.map((c, i) => `p.${quoteIdent(fk.referencedColumns[i]!)} = s.${quoteIdent(c)}`).join(' AND ');
      const parents = parentStage ? `${parentStage} p WHERE ${match}` : `${tableRef(parent)} p WHERE ${match} AND ${tenantPredicate(plan, parent, 'p', literal)}`;
      foreignRows = `NOT EXISTS (SELECT 1 FROM ${parents})`;
    }
    const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${stage} s WHERE ${foreignRows}`);
    const foreign = Number(res.rows[0]?.n ?? 0);
    if (foreign > 0) {
      throw new VerificationError(`entry ${details.entries[table.table]} holds ${foreign} row(s) of ${table.table} that do not belong to the tenant; nothing was restored`, {
        hint: 'the archive was altered after it was written (a tenant archive holds only its own rows); use another archive',
      });
    }
  }
}
