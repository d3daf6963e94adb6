/**
 * The first half of a MySQL rows restore, inside its transaction and before the tenant's rows are
 * touched: each chosen table's entry is checked line by line (statements.ts) and loaded into a
 * temporary staging table of the same columns; then every staged row must belong to the tenant
 * (the plan's tenant predicate, evaluated over the staged rows: a child row's parent must be a
 * staged row of the tenant). A doctored archive is refused here, with nothing changed.
 */
import type { Readable } from 'node:stream';
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { createStage, type StageShape } from './apply.js';
import type { OutsideStaging } from './outside-restore.js';
import { checkedEntryStream } from '../../../archive/reader.js';
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import type { RestoreContext } from '../../types.js';
import type { PlannedTable, RowsPlan } from '../../rows/plan.js';
import { quoteMysqlIdent } from '../connection.js';
import type { MysqlRowsDetails } from './dump.js';
import { columnList, tenantPredicate } from './sql.js';
import { entryStatements } from './statements.js';

/** Table (qualified, as in the plan) -> quoted name of its temporary staging table. */
export type Stages = Map<string, string>;

/** `outside`: a restore into another database also stages the archive's outside rows (outside-restore.ts). */
export async function stageEntries(client: mysql.Connection, chosen: PlannedTable[], details: MysqlRowsDetails, ctx: RestoreContext, outside?: OutsideStaging): Promise<Stages> {
  const byEntry = new Map<string | undefined, StageShape & { table: string }>(chosen.map((t) => [details.entries[t.table], t]));
  for (const [entry, shape] of outside?.shapes ?? []) if (!byEntry.has(entry)) byEntry.set(entry, shape);
  const stages: Stages = new Map();
  for await (const entry of ctx.entries) {
    const table = byEntry.get(entry.name);
    const into = table && (outside?.shapes.get(entry.name) === table ? outside.stages : stages);
    if (!table || !into || into.has(table.table)) {
      for await (const _ of entry.body) void _;
      continue;
    }
    // Same column types and primary key as the target, none of its triggers or foreign keys.
    const { stage } = await createStage(client, table, stages.size + (outside?.stages.size ?? 0));
    into.set(table.table, stage);
    const statements = entryStatements(entry.name, table, stage);
    const body = checkedEntryStream(entry.body);
    const plain = await decompress(body.stream, compressionOfEntry(entry.name), ctx.signal);
    const replay = (async () => {
      let n = 0;
      for await (const line of lines(plain.stdout)) {
        const sql = statements.toStage(line, ++n);
        if (sql) await client.query(sql);
      }
    })();
    // A refused line stops the replay; the decompressor and the body are still read to their end.
    replay.catch(() => plain.stdout.resume());
    await Promise.all([replay, plain.done, body.done]);
  }
  const missing = chosen.filter((t) => !stages.has(t.table));
  if (missing.length > 0) throw new VerificationError(`archive ${ctx.sidecar.id} lacks the rows of ${missing.map((t) => t.name).join(', ')}`, { hint: DAMAGED_ARCHIVE_HINT });
  return stages;
}

/**
 * Every staged row is the tenant's: tenant and root tables by their column, child tables through
 * their planned foreign key to a staged parent row (or, when the parent is not restored, to the
 * tenant's row in the target).
 */
export async function assertStagedTenant(client: mysql.Connection, plan: RowsPlan, chosen: PlannedTable[], stages: Stages, literal: string, details: MysqlRowsDetails): Promise<void> {
  for (const table of chosen) {
    const stage = stages.get(table.table)!;
    let belongs: string;
    if (table.role !== 'child') belongs = `${quoteMysqlIdent(table.filterColumn!)} <=> ${literal}`;
    else {
      const fk = table.via!;
      const left = fk.columns.length === 1 ? quoteMysqlIdent(fk.columns[0]!) : `(${columnList(fk.columns)})`;
      const parent = plan.tables.find((t) => t.table === fk.references)!;
      const parentStage = stages.get(parent.table);
      const parents = parentStage
        ? `SELECT ${columnList(fk.referencedColumns)} FROM ${parentStage}`
        : `SELECT ${columnList(fk.referencedColumns)} FROM ${quoteMysqlIdent(parent.name)} WHERE ${tenantPredicate(plan, parent, literal)}`;
      belongs = `${left} IN (${parents})`;
    }
    const [rows] = await client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${stage} WHERE (${belongs}) IS NOT TRUE`);
    const foreign = Number(rows[0]?.n ?? 0);
    if (foreign > 0) {
      throw new VerificationError(`entry ${details.entries[table.table]} holds ${foreign} row(s) of ${table.name} that do not belong to the tenant; nothing was restored`, {
        hint: 'the archive was altered after it was written (a tenant archive holds only its own rows); use another archive',
      });
    }
  }
}

export async function* lines(stream: Readable): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, nl));
      yield Buffer.concat(pending).toString('utf8');
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield Buffer.concat(pending).toString('utf8');
}
