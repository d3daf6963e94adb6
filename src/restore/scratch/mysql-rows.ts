/**
 * The throwaway database for restore tests of MySQL/MariaDB rows-mode archives: like PostgreSQL's
 * (postgres-rows.ts), it gets the source's current schema (mysqldump --no-data, with routines and
 * triggers) and its shared tables' rows, then the rows restore loads the tenant. What arrived is
 * counted per table with the same tenant predicate as the dump.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { Sidecar, TableInfo } from '../../archive/manifest.js';
import { runTool, spawnTool } from '../../exec.js';
import { mysqlTextLiteral, quoteMysqlIdent, withDatabase, withMysql, writeDefaultsFile, type MysqlConnection } from '../../sources/mysql/connection.js';
import { mysqlRowsDetails } from '../../sources/mysql/rows/restore.js';
import { tenantPredicate } from '../../sources/mysql/rows/sql.js';
import { resolveMysqlTool } from '../../sources/mysql/tools.js';
import { createMysqlScratch } from './mysql.js';
import type { Scratch } from './types.js';

export interface MysqlRowsScratchOptions {
  tools: Record<string, string>;
  tempDir: string;
  signal: AbortSignal;
}

export async function createMysqlRowsScratch(source: MysqlConnection, server: MysqlConnection, sidecar: Sidecar, options: MysqlRowsScratchOptions): Promise<Scratch> {
  const details = mysqlRowsDetails(sidecar);
  const base = await createMysqlScratch(server, sidecar);
  const scratch = withDatabase(server, decodeURIComponent(new URL(base.target).pathname.slice(1)));
  try {
    await copySchemaAndShared(source, scratch, details.shared, options);
  } catch (error) {
    await base.drop().catch(() => undefined);
    throw error;
  }
  return {
    ...base,
    measure: () =>
      withMysql(scratch, async (client) => {
        const literal = mysqlTextLiteral(sidecar.tenant.id);
        const tables: TableInfo[] = [];
        for (const table of details.plan.tables) {
          const [rows] = await client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteMysqlIdent(table.name)} WHERE ${tenantPredicate(details.plan, table, literal)}`);
          tables.push({ name: table.name, rows: Number(rows[0]?.n ?? 0) });
        }
        return { tables };
      }),
  };
}

async function copySchemaAndShared(source: MysqlConnection, scratch: MysqlConnection, shared: readonly string[], options: MysqlRowsScratchOptions): Promise<void> {
  const [dumpTool, client] = await Promise.all([resolveMysqlTool('dump', options.tools), resolveMysqlTool('client', options.tools)]);
  const [sourceDefaults, scratchDefaults] = await Promise.all([writeDefaultsFile(source, options.tempDir), writeDefaultsFile(scratch, options.tempDir)]);
  const common = ['--single-transaction', '--default-character-set=utf8mb4', '--no-tablespaces', '--hex-blob'];
  const load = async (dumpArgs: string[]) => {
    const dump = spawnTool(dumpTool.file, [`--defaults-extra-file=${sourceDefaults}`, ...common, ...dumpArgs], { signal: options.signal });
    const clientArgs = [`--defaults-extra-file=${scratchDefaults}`, '--batch', '--default-character-set=utf8mb4', `--database=${scratch.database}`];
    await Promise.all([runTool(client.file, clientArgs, { input: dump.stdout, signal: options.signal }), dump.done]);
  };
  // Triggers come after the shared rows: present while those load, they would fire (a trigger on
  // a shared table filling another shared one adds rows that its own dump then collides with).
  // `--` ends the options: a database named `-x` would otherwise be read as one.
  await load(['--no-data', '--routines', '--skip-triggers', '--', source.database]);
  // Plan names are qualified with the database; mysqldump takes bare table names after it.
  if (shared.length > 0) await load(['--no-create-info', '--skip-triggers', '--', source.database, ...shared.map((t) => t.slice(t.indexOf('.') + 1))]);
  await load(['--no-create-info', '--no-data', '--skip-routines', '--triggers', '--', source.database]);
}
