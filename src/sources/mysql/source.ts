/** The MySQL/MariaDB source: tenant discovery per mode, and dump/restore dispatched to the mode. */
import type { ArchiveExporter } from '../export/types.js';
import type { RowsDecoder } from '../rows/decoder.js';
import type { RowsPlan } from '../rows/plan.js';
import type { Readable } from 'node:stream';
import type { MysqlSourceConfig } from './config.js';
import { UsageError } from '../../errors.js';
import type { SchemaFingerprint, Sidecar } from '../../archive/manifest.js';
import { sourceConnection } from '../db-url.js';
import { ALL_TENANT, applyExclude, type DumpContext, type DumpResult, type RestoreContext, type RestoreResult, type RunInfo, type Source, type Tenant } from '../types.js';
import type { MysqlRowsBatch } from './rows/rows-batch.js';
import { databaseExists, schemaFingerprint } from './catalog.js';
import { parseMysqlUrl, withDatabase, withMysql, type MysqlConnection } from './connection.js';
import { matchingDatabases, queryTenants } from './tenants.js';
import { checkMysqlDumpEntry, dumpWholeDatabase, MYSQL_DUMP_ENTRY, restoreWholeDatabase } from './whole-database.js';
import { RunBatch } from '../rows/run-batch.js';
import { isScratchUrl, unsupportedScratch, withPrivilegeHint, type Scratch, type ScratchRequest } from '../scratch.js';

export class MysqlSource implements Source {
  readonly type = 'mysql';
  readonly mode: MysqlSourceConfig['tenants']['mode'];
  private connection: MysqlConnection | undefined;
  /** Rows mode: the run's tenants, read together at the first dump (rows/batch.ts). */
  private run: RunBatch<MysqlRowsBatch> | undefined;

  constructor(
    readonly name: string,
    readonly config: MysqlSourceConfig,
  ) {
    this.mode = config.tenants.mode;
  }

  /** The source connection, with the password resolved from its configured place. */
  async conn(): Promise<MysqlConnection> {
    if (!this.connection) {
      this.connection = await sourceConnection(this.name, this.config, parseMysqlUrl);
      if (this.mode !== 'database' && !this.connection.database) {
        throw new UsageError(`sources.${this.name}.url: mode "${this.mode}" needs a database in the URL (mysql://user@host:3306/app)`, {
          hint: `add the database to sources.${this.name}.url, or use tenants.mode "database" (one database per tenant)`,
        });
      }
    }
    return this.connection;
  }

  async exporter(sidecar: Sidecar): Promise<ArchiveExporter> {
    const { mysqlDumpExporter, mysqlRowsExporter } = await import('./export/exporter.js');
    return sidecar.tenant.mode === 'rows' ? mysqlRowsExporter(sidecar) : mysqlDumpExporter(sidecar);
  }

  async rowsPlan(): Promise<RowsPlan | undefined> {
    if (this.mode !== 'rows') return undefined;
    const { planForMysql } = await import('./rows/dump.js');
    const conn = await this.conn();
    return (await withMysql(conn, (client) => planForMysql(client, conn.database, this.config))).plan;
  }

  async discoverTenants(): Promise<Tenant[]> {
    const tenants = this.config.tenants;
    if (this.mode === 'none') return [{ id: ALL_TENANT }];
    const found = await withMysql(await this.conn(), async (client) => {
      if (tenants.query) return queryTenants(client, tenants.query);
      if (this.mode === 'database') return matchingDatabases(client, tenants.match ?? '%');
      throw new UsageError(`sources.${this.name}.tenants: mode "${this.mode}" needs "query"`, {
        hint: 'set tenants.query to SQL returning the tenant ids as "id", e.g. "SELECT id FROM organizations"',
      });
    });
    return applyExclude(found, tenants.exclude);
  }

  async tenantExists(tenant: Tenant): Promise<boolean> {
    const conn = await this.conn();
    if (this.mode === 'none' || this.mode === 'database') {
      const database = this.mode === 'none' ? conn.database : tenant.id;
      return withMysql(withDatabase(conn, ''), (client) => databaseExists(client, database));
    }
    return (await this.discoverTenants()).some((t) => t.id === tenant.id);
  }

  async dump(tenant: Tenant, ctx: DumpContext): Promise<DumpResult> {
    const conn = await this.conn();
    switch (this.mode) {
      case 'none':
        return dumpWholeDatabase(conn, this.config.tools, ctx);
      case 'database':
        return dumpWholeDatabase(withDatabase(conn, tenant.id), this.config.tools, ctx);
      case 'rows': {
        const { dumpMysqlRows, dumpMysqlRowsFromBatch } = await import('./rows/dump.js');
        const batch = await this.rowsBatch(tenant);
        return batch ? dumpMysqlRowsFromBatch(batch, tenant, conn, this.config, ctx) : dumpMysqlRows(conn, tenant, this.config, ctx);
      }
      default:
        throw new UsageError(`tenant mode ${this.mode} is not available for mysql`, { hint: 'use tenants.mode none, database or rows' });
    }
  }

  planRun(tenants: readonly Tenant[], info: RunInfo): void {
    if (this.mode === 'rows') this.run = new RunBatch(this.name, tenants, info);
  }

  /** The run's rows batch when `tenant` is in it (rows/run-batch.ts). */
  private async rowsBatch(tenant: Tenant): Promise<MysqlRowsBatch | undefined> {
    if (!this.run) return undefined;
    const { readMysqlRowsBatch } = await import('./rows/batch.js');
    return this.run.for(tenant, async (tenants, options) => readMysqlRowsBatch(await this.conn(), this.config, tenants, options));
  }

  async rowsDecoder(): Promise<RowsDecoder> {
    return (await import('./rows/decode.js')).mysqlRowsDecoder;
  }

  async checkEntry(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void> {
    if (name.startsWith(MYSQL_DUMP_ENTRY)) return checkMysqlDumpEntry(name, body, sidecar, signal);
    if (sidecar.tenant.mode === 'rows') {
      const { checkMysqlRowsEntry } = await import('./rows/restore.js');
      return checkMysqlRowsEntry(name, body, sidecar, signal);
    }
    body.resume();
  }

  /** Where a whole-database restore writes: --target, else the tenant's own database. */
  async restoreConnection(tenant: Tenant, mode: string, target: string | undefined): Promise<MysqlConnection> {
    const conn = await this.conn();
    if (!target) return mode === 'database' ? withDatabase(conn, tenant.id) : conn;
    const into = parseMysqlUrl(target, '--target');
    if (!into.database) throw new UsageError('--target: name the database to restore into (mysql://user@host:3306/copy)', { hint: 'add the database name to the --target URL' });
    // The same server without a password in --target: the source's password applies.
    return into.password === undefined && conn.password !== undefined && into.host === conn.host && into.port === conn.port ? { ...into, password: conn.password } : into;
  }

  async restore(tenant: Tenant, ctx: RestoreContext): Promise<RestoreResult> {
    const mode = ctx.sidecar.tenant.mode;
    switch (mode) {
      case 'none':
      case 'database':
        return restoreWholeDatabase(await this.restoreConnection(tenant, mode, ctx.options.target), this.config.tools, ctx);
      case 'rows': {
        const { restoreMysqlRows } = await import('./rows/restore.js');
        const into = ctx.options.target ? await this.restoreConnection(tenant, 'none', ctx.options.target) : await this.conn();
        return restoreMysqlRows(into, tenant, ctx, this.config.tenants.column);
      }
      default:
        throw new UsageError(`archive ${ctx.sidecar.id} was made in tenant mode ${mode}, which mysql cannot restore`, {
          hint: 'restore it with a source of that tenant mode (the config it was made with)',
        });
    }
  }

  /** The schema of the database a restore would write into; undefined when it does not exist yet. */
  async currentFingerprint(tenant: Tenant, sidecar: Sidecar, target: string | undefined): Promise<SchemaFingerprint | undefined> {
    const mode = sidecar.tenant.mode;
    const into = mode === 'rows' && target ? await this.restoreConnection(tenant, 'none', target) : mode === 'rows' ? await this.conn() : await this.restoreConnection(tenant, mode, target);
    return withMysql(withDatabase(into, ''), async (client) => {
      if (!(await databaseExists(client, into.database))) return undefined;
      const only = mode === 'rows' ? sidecar.schemaFingerprint?.tables.map((t) => t.name) : undefined;
      return schemaFingerprint(client, into.database, only);
    });
  }

  /** A new database on the source's server or --scratch's; rows mode gives it the source's current schema first. */
  createScratch(sidecar: Sidecar, request: ScratchRequest): Promise<Scratch> {
    return withPrivilegeHint(() => this.makeScratch(sidecar, request), "GRANT ALL ON `ob\\_rt\\_%`.* TO the source's user (its throwaway databases are named ob_rt_...)");
  }

  private async makeScratch(sidecar: Sidecar, request: ScratchRequest): Promise<Scratch> {
    const mode = sidecar.tenant.mode;
    if (mode !== 'none' && mode !== 'database' && mode !== 'rows') throw unsupportedScratch(this.type, mode);
    const { createMysqlScratch, mysqlScratchServer } = await import('./scratch.js');
    const conn = await this.conn();
    const server = mysqlScratchServer(conn, isScratchUrl(request.scratch) ? request.scratch : undefined);
    if (mode !== 'rows') return createMysqlScratch(server, sidecar);
    const { createMysqlRowsScratch } = await import('./rows/scratch.js');
    return createMysqlRowsScratch(conn, server, sidecar, { tools: this.config.tools, tempDir: await request.tempDir(), signal: request.signal });
  }

  async queryRows(sql: string): Promise<Record<string, unknown>[]> {
    return withMysql(await this.conn(), async (client) => {
      const [rows] = await client.query(sql);
      if (!Array.isArray(rows)) throw new UsageError('the query did not return rows', { hint: 'it must be a SELECT' });
      return rows as Record<string, unknown>[];
    });
  }

  async close(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    await run?.close();
  }
}
