/**
 * The throwaway database for restore tests of rows-mode archives. A rows archive holds one
 * tenant's rows, not the schema, so the scratch database gets the source's current schema
 * (pg_dump --schema-only) and the rows of its shared tables (which tenant rows reference), then
 * the rows restore loads the tenant into it. Measuring runs the same COPY query as the dump, so
 * each table's row count and order-independent digest of its rows can be compared with the ones
 * recorded at backup time (in whatever order the scratch database returns the rows).
 */
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { Sidecar, TableInfo } from '../../../archive/manifest.js';
import { runTool, spawnTool } from '../../../exec.js';
import { describePg, pgDbnameArg, pgToolEnv, withDatabase, withPgClient, type PgConnection } from '../connection.js';
import { CopyCounter } from './dump.js';
import { rowsDetails } from './restore.js';
import { copyOutSql } from './sql.js';
import { readDatabaseLocale } from '../locale.js';
import { devNull } from '../../../util/streams.js';
import { literalSchemaPattern } from '../schema-mode.js';
import { resolvePgTool } from '../../tools.js';
import { createDatabaseScratch } from '../scratch.js';
import { filled, type SchemaCopyOptions, type Scratch } from '../../scratch.js';

export async function createRowsScratch(source: PgConnection, server: PgConnection, sidecar: Sidecar, options: SchemaCopyOptions): Promise<Scratch> {
  const details = rowsDetails(sidecar);
  const base = await createDatabaseScratch(server, sidecar);
  const scratch = withDatabase(server, new URL(base.target).pathname.slice(1));
  await filled(base, () => copySchemaAndShared(source, scratch, details.shared, options));
  const literal = (client: { escapeLiteral(s: string): string }) => client.escapeLiteral(sidecar.tenant.id);
  return {
    ...base,
    where: `database ${describePg(scratch)}`,
    measure: () =>
      withPgClient(scratch, async (client) => {
        const tables: TableInfo[] = [];
        for (const table of details.plan.tables) {
          const counter = new CopyCounter();
          await pipeline(client.query(copyTo(copyOutSql(details.plan, table, literal(client)))), counter, devNull());
          tables.push({ name: table.table, rows: counter.rows, digest: counter.digest });
        }
        return { tables, locale: await readDatabaseLocale(client) };
      }),
  };
}

/**
 * pg_dump of the source's schema and shared tables' rows piped into psql on the scratch database.
 * The tenant's rows come later, through the rows restore, which loads them with triggers off.
 */
async function copySchemaAndShared(source: PgConnection, scratch: PgConnection, shared: readonly string[], options: SchemaCopyOptions): Promise<void> {
  const [pgDump, psql] = await Promise.all([resolvePgTool('pg_dump', options.tools), resolvePgTool('psql', options.tools)]);
  const sourceEnv = await pgToolEnv(source, options.tempDir);
  const scratchEnv = await pgToolEnv(scratch, options.tempDir);
  const load = async (dumpArgs: string[]) => {
    const dump = spawnTool(pgDump.file, ['--no-owner', '--no-privileges', '--no-password', ...dumpArgs], { env: sourceEnv, signal: options.signal });
    const psqlArgs = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--no-password', pgDbnameArg(scratch.database)];
    await Promise.all([runTool(psql.file, psqlArgs, { input: dump.stdout, env: scratchEnv, signal: options.signal, stdout: devNull() }), dump.done]);
  };
  // pg_restore's order: tables first, then their rows, then indexes, constraints and triggers
  // (post-data). Triggers present while the shared rows load would fire (a trigger on a shared
  // table writing into another shared one adds rows its dump then collides with).
  await load(['--section=pre-data']);
  if (shared.length > 0) await load(['--data-only', ...shared.map((t) => `--table=${qualifiedPattern(t)}`)]);
  await load(['--section=post-data']);
}

/** `schema.table` as a literal pg_dump pattern (each part quoted, so nothing is a wildcard). */
function qualifiedPattern(table: string): string {
  const dot = table.indexOf('.');
  return `${literalSchemaPattern(table.slice(0, dot))}.${literalSchemaPattern(table.slice(dot + 1))}`;
}
