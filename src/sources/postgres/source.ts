/** The PostgreSQL source: tenant discovery per mode, and dump/restore dispatched to the mode. */
import type { ArchiveExporter } from '../export/types.js';
import type { RowsDecoder } from '../rows/decoder.js';
import type { RowsPlan } from '../rows/plan.js';
import type { Readable } from 'node:stream';
import type { PostgresSourceConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import type { DatabaseLocale, SchemaFingerprint, Sidecar, TableInfo } from '../../archive/manifest.js';
import { sourceConnection } from '../db-url.js';
import { ALL_TENANT, applyExclude, type DumpContext, type DumpResult, type RestoreContext, type RestoreResult, type RunInfo, type Source, type Tenant } from '../types.js';
import type { RowsBatch } from './rows/rows-batch.js';
import { parsePgUrl, withDatabase, withPgClient, type PgConnection } from './connection.js';
import { checkPgDumpEntry, dumpWholeDatabase, restoreWholeDatabase } from './whole-database.js';
import { readDatabaseLocale } from './locale.js';
import { queryTenants } from './tenants.js';
import { RunBatch } from '../rows/run-batch.js';
import { isScratchUrl, unsupportedScratch, withPrivilegeHint, type Scratch, type ScratchRequest } from '../scratch.js';

export class PostgresSource implements Source {
  readonly type = 'postgres';
  readonly mode: PostgresSourceConfig['tenants']['mode'];
  private connection: PgConnection | undefined;
  /** Rows mode: the run's tenants, read together at the first dump (rows/batch.ts). */
  private readonly locales = new Map<string, Promise<DatabaseLocale>>();
  private run: RunBatch<RowsBatch> | undefined;

  constructor(
    readonly name: string,
    readonly config: PostgresSourceConfig,
  ) {
    this.mode = config.tenants.mode;
  }

  /** The source database connection, with the password resolved from its configured place. */
  async conn(): Promise<PgConnection> {
    if (!this.connection) {
      this.connection = await sourceConnection(this.name, this.config, parsePgUrl);
    }
    return this.connection;
  }

  async discoverTenants(): Promise<Tenant[]> {
    const tenants = this.config.tenants;
    if (this.mode === 'none') return [{ id: ALL_TENANT }];
    const conn = await this.conn();
    const found = await withPgClient(conn, async (client) => {
      if (tenants.query) return queryTenants(client, tenants.query);
      if (this.mode === 'database') {
        const res = await client.query<{ id: string }>(`SELECT datname AS id FROM pg_database WHERE datname LIKE $1 AND NOT datistemplate AND datallowconn ORDER BY 1`, [tenants.match]);
        return res.rows.map((r) => ({ id: r.id }));
      }
      const res = await client.query<{ id: string }>(
        `SELECT nspname AS id FROM pg_namespace WHERE nspname LIKE $1 AND nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
        [tenants.match],
      );
      return res.rows.map((r) => ({ id: r.id }));
    });
    return applyExclude(found, tenants.exclude);
  }

  async tenantExists(tenant: Tenant): Promise<boolean> {
    const conn = await this.conn();
    if (this.mode === 'none' || this.mode === 'database') {
      const database = this.mode === 'none' ? conn.database : tenant.id;
      return withPgClient(withDatabase(conn, 'postgres'), async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount ?? 0) > 0);
    }
    return (await this.discoverTenants()).some((t) => t.id === tenant.id);
  }

  async dump(tenant: Tenant, ctx: DumpContext): Promise<DumpResult> {
    const result = await this.dumpMode(tenant, ctx);
    const conn = await this.conn();
    return { ...result, locale: await this.locale(this.mode === 'database' ? withDatabase(conn, tenant.id) : conn) };
  }

  /** The dumped database's encoding and locale, read once per database (they cannot change). */
  private async locale(conn: PgConnection): Promise<DatabaseLocale> {
    let locale = this.locales.get(conn.database);
    if (!locale) {
      locale = withPgClient(conn, readDatabaseLocale);
      locale.catch(() => this.locales.delete(conn.database));
      this.locales.set(conn.database, locale);
    }
    return locale;
  }

  private async dumpMode(tenant: Tenant, ctx: DumpContext): Promise<DumpResult> {
    const conn = await this.conn();
    switch (this.mode) {
      case 'none':
        return dumpWholeDatabase(conn, this.config.tools, ctx);
      case 'database':
        return dumpWholeDatabase(withDatabase(conn, tenant.id), this.config.tools, ctx);
      case 'schema': {
        const { dumpSchema } = await import('./schema-mode.js');
        return dumpSchema(conn, tenant, this.config, ctx);
      }
      case 'rows': {
        const { dumpRows, dumpRowsFromBatch } = await import('./rows/dump.js');
        const batch = await this.rowsBatch(tenant);
        return batch ? dumpRowsFromBatch(batch, tenant, conn, this.config, ctx) : dumpRows(conn, tenant, this.config, ctx);
      }
      default:
        throw new UsageError(`tenant mode ${this.mode} is not available for postgres`, { hint: 'use tenants.mode none, database, schema or rows' });
    }
  }

  async rowsPlan(): Promise<RowsPlan | undefined> {
    if (this.mode !== 'rows') return undefined;
    const { planForSource } = await import('./rows/dump.js');
    return withPgClient(await this.conn(), (client) => planForSource(client, this.config));
  }

  planRun(tenants: readonly Tenant[], info: RunInfo): void {
    if (this.mode === 'rows') this.run = new RunBatch(this.name, tenants, info);
  }

  /** The run's rows batch when `tenant` is in it (rows/run-batch.ts). */
  private async rowsBatch(tenant: Tenant): Promise<RowsBatch | undefined> {
    if (!this.run) return undefined;
    const { readRowsBatch } = await import('./rows/batch.js');
    return this.run.for(tenant, async (tenants, options) => readRowsBatch(await this.conn(), this.config, tenants, options));
  }

  async exporter(sidecar: Sidecar): Promise<ArchiveExporter> {
    const { postgresDumpExporter, postgresRowsExporter } = await import('./export/exporter.js');
    return sidecar.tenant.mode === 'rows' ? postgresRowsExporter(sidecar) : postgresDumpExporter(sidecar, this.config.tools);
  }

  async rowsDecoder(): Promise<RowsDecoder> {
    return (await import('./rows/decode.js')).postgresRowsDecoder;
  }

  async checkEntry(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void> {
    if (name.startsWith('db.pgdump')) return checkPgDumpEntry(name, body, this.config.tools, signal);
    if (this.mode === 'rows' || sidecar.tenant.mode === 'rows') {
      const { checkRowsEntry } = await import('./rows/restore.js');
      return checkRowsEntry(name, body, sidecar, signal);
    }
    body.resume();
  }

  async restore(tenant: Tenant, ctx: RestoreContext): Promise<RestoreResult> {
    const conn = await this.conn();
    const mode = ctx.sidecar.tenant.mode;
    const target = ctx.options.target;
    switch (mode) {
      case 'none':
      case 'database': {
        const into = target ? parsePgUrl(target, '--target') : mode === 'none' ? conn : withDatabase(conn, tenant.id);
        const withPassword = target && into.password === undefined && conn.password !== undefined && into.host === conn.host ? { ...into, password: conn.password } : into;
        return restoreWholeDatabase(withPassword, this.config.tools, ctx);
      }
      case 'schema': {
        const { restoreSchema } = await import('./schema-mode.js');
        return restoreSchema(conn, tenant, this.config, ctx);
      }
      case 'rows': {
        const { restoreRows } = await import('./rows/restore.js');
        return restoreRows(conn, tenant, this.config, ctx);
      }
      default:
        throw new UsageError(`archive ${ctx.sidecar.id} was made in tenant mode ${mode}, which postgres cannot restore`, {
          hint: 'restore it with a source of that tenant mode (the config it was made with)',
        });
    }
  }

  async currentFingerprint(tenant: Tenant, sidecar: Sidecar, target: string | undefined): Promise<SchemaFingerprint | undefined> {
    const { currentPgFingerprint } = await import('./fingerprint.js');
    return currentPgFingerprint(await this.conn(), tenant, sidecar, target);
  }

  async currentTables(tenant: Tenant, sidecar: Sidecar, target: string | undefined): Promise<TableInfo[] | undefined> {
    const { currentPgTables } = await import('./fingerprint.js');
    return currentPgTables(await this.conn(), tenant, sidecar, target);
  }

  /** Whole databases: a new database on the source's server or --scratch's; schema mode: a new schema of the source database. */
  createScratch(sidecar: Sidecar, request: ScratchRequest): Promise<Scratch> {
    return withPrivilegeHint(() => this.makeScratch(sidecar, request), "ALTER ROLE <the source's role> CREATEDB (schema mode: GRANT CREATE ON DATABASE <source database> TO it)");
  }

  private async makeScratch(sidecar: Sidecar, request: ScratchRequest): Promise<Scratch> {
    const mode = sidecar.tenant.mode;
    const conn = await this.conn();
    const url = isScratchUrl(request.scratch) ? request.scratch : undefined;
    const pg = await import('./scratch.js');
    if (mode === 'none' || mode === 'database') return pg.createDatabaseScratch(pg.scratchServer(conn, url), sidecar);
    if (mode === 'rows') {
      const { createRowsScratch } = await import('./rows/scratch.js');
      return createRowsScratch(conn, pg.scratchServer(conn, url), sidecar, { tools: this.config.tools, tempDir: await request.tempDir(), signal: request.signal });
    }
    if (mode === 'schema') {
      if (url) request.log.warn('--scratch is not used for schema-mode archives: they are restore-tested in a throwaway schema of the source database');
      return pg.createSchemaScratch(conn, sidecar);
    }
    throw unsupportedScratch(this.type, mode);
  }

  async queryRows(sql: string): Promise<Record<string, unknown>[]> {
    return withPgClient(await this.conn(), async (client) => (await client.query<Record<string, unknown>>(sql)).rows);
  }

  async close(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    await run?.close();
  }
}
