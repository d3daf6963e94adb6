/**
 * The throwaway database for restore tests of MySQL/MariaDB rows-mode archives: like PostgreSQL's
 * (postgres-rows.ts), it gets the source's current schema (mysqldump --no-data, with routines and
 * triggers) and its shared tables' rows, then the rows restore loads the tenant. What arrived is
 * read per table with the same query and writer as the dump: row counts and order-independent
 * digests, compared with the manifest's.
 */
import { pipeline } from 'node:stream/promises';
import type mysql from 'mysql2/promise';
import type { Sidecar, TableInfo } from '../../../archive/manifest.js';
import { runTool, spawnTool } from '../../../exec.js';
import { mysqlTextLiteral, withDatabase, withMysql, writeDefaultsFile, type MysqlConnection } from '../connection.js';
import { databaseCharset, tableCollations, withCollations } from '../catalog.js';
import { readMysqlRowsCatalog } from './catalog.js';
import { streamTenantRows } from './dump.js';
import { insertWriterFor } from './sql.js';
import { mysqlRowsDetails } from './restore.js';
import { resolveMysqlTool } from '../tools.js';
import type { RowsPlan } from '../../rows/plan.js';
import { devNull } from '../../../util/streams.js';
import { createMysqlScratch } from '../scratch.js';
import { filled, type Observation, type SchemaCopyOptions, type Scratch } from '../../scratch.js';

export async function createMysqlRowsScratch(source: MysqlConnection, server: MysqlConnection, sidecar: Sidecar, options: SchemaCopyOptions): Promise<Scratch> {
  const details = mysqlRowsDetails(sidecar);
  const base = await createMysqlScratch(server, sidecar);
  const scratch = withDatabase(server, decodeURIComponent(new URL(base.target).pathname.slice(1)));
  const schema = new ScratchSchema(source, scratch, options);
  await filled(base, () => schema.loadTablesAndShared(details.shared));
  return {
    ...base,
    // MySQL cannot switch triggers off for a session: the scratch gets them only once the
    // tenant's rows are in, so insert triggers (stamping dates, writing audit rows) never fire
    // for the archived rows and the digest comparison sees exactly what was archived.
    afterLoad: () => schema.loadTriggers(),
    measure: () => withMysql(scratch, (client) => measureTenantRows(client, scratch.database, details.plan, sidecar.tenant.id)),
  };
}

/** Row count and order-independent digest of each planned table's tenant rows, read as the dump read them. */
async function measureTenantRows(client: mysql.Connection, database: string, plan: RowsPlan, tenantId: string): Promise<Observation> {
  await client.query("SET SESSION time_zone = '+00:00'");
  const [{ types }, charset] = await Promise.all([readMysqlRowsCatalog(client, database), databaseCharset(client, database)]);
  const literal = mysqlTextLiteral(tenantId);
  const tables: TableInfo[] = [];
  for (const table of plan.tables) {
    const writer = insertWriterFor(table, types[table.name] ?? {});
    await pipeline(streamTenantRows(client, plan, table, literal), writer, devNull());
    tables.push({ name: table.name, rows: writer.rows, digest: writer.digest });
  }
  return { tables: withCollations(tables, await tableCollations(client, database)), charset };
}

/** mysqldump of the source's schema piped into the scratch database, in two steps. */
class ScratchSchema {
  private triggersLoaded = false;

  constructor(
    private readonly source: MysqlConnection,
    private readonly scratch: MysqlConnection,
    private readonly options: SchemaCopyOptions,
  ) {}

  /**
   * Tables and routines, then the shared tables' rows. Triggers come later: present while the
   * shared rows load, they would fire (a trigger on a shared table filling another shared one adds
   * rows that its own dump then collides with). `--` ends the options: a database named `-x`
   * would otherwise be read as one.
   */
  async loadTablesAndShared(shared: readonly string[]): Promise<void> {
    await this.load(['--no-data', '--routines', '--skip-triggers', '--', this.source.database]);
    // Plan names are qualified with the database; mysqldump takes bare table names after it.
    if (shared.length > 0) await this.load(['--no-create-info', '--skip-triggers', '--', this.source.database, ...shared.map((t) => t.slice(t.indexOf('.') + 1))]);
  }

  /** Once: the second restore of a restore test runs with the triggers in place, as a live one does. */
  async loadTriggers(): Promise<void> {
    if (this.triggersLoaded) return;
    await this.load(['--no-create-info', '--no-data', '--skip-routines', '--triggers', '--', this.source.database]);
    this.triggersLoaded = true;
  }

  private async load(dumpArgs: string[]): Promise<void> {
    const { tools, tempDir, signal } = this.options;
    const [dumpTool, client] = await Promise.all([resolveMysqlTool('dump', tools), resolveMysqlTool('client', tools)]);
    const [sourceDefaults, scratchDefaults] = await Promise.all([writeDefaultsFile(this.source, tempDir), writeDefaultsFile(this.scratch, tempDir)]);
    const common = ['--single-transaction', '--default-character-set=utf8mb4', '--no-tablespaces', '--hex-blob'];
    const dump = spawnTool(dumpTool.file, [`--defaults-extra-file=${sourceDefaults}`, ...common, ...dumpArgs], { signal });
    const clientArgs = [`--defaults-extra-file=${scratchDefaults}`, '--batch', '--default-character-set=utf8mb4', `--database=${this.scratch.database}`];
    await Promise.all([runTool(client.file, clientArgs, { input: dump.stdout, signal }), dump.done]);
  }
}
