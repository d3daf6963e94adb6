/**
 * A rows-mode tenant database on PostgreSQL or MySQL/MariaDB behind one interface, so that one
 * scenario runs on both engines (and, with storages-under-test.ts, on every storage). Each call of
 * `create` makes its own database, dropped through the file's cleanups.
 */
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlExec, mysqlQuery, mysqlUrl } from './mysql.js';
import { createDb, dropDb, pgQuery, psql, tableDigests } from './pg.js';
import { pgSource } from './restore.js';
import type { Later } from './restore-fixtures.js';

export interface RowsDb {
  /** The source config for these tenants settings. */
  source(tenants: Record<string, unknown>): Record<string, unknown>;
  exec(sql: string): Promise<void>;
  /** Rows as plain objects. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Every table's digest, to show a run changed nothing. */
  digest(): Promise<unknown>;
  /** A table as plans, merge counts and sidecars name it. */
  table: (t: string) => string;
  /** A table as the manifest's categories name it (always qualified). */
  qualified: (t: string) => string;
}

export interface RowsEngine {
  name: 'postgres' | 'mysql';
  /** The column type of a generated key. */
  serial: string;
  /** A comma-joined list of `expr` ordered by `order`, '' when empty. */
  joined(expr: string, order: string): string;
  create(later: Later, prefix: string, schema: string): Promise<RowsDb>;
}

export const postgresEngine: RowsEngine = {
  name: 'postgres',
  serial: 'serial',
  joined: (expr, order) => `coalesce(string_agg(${expr}, ',' ORDER BY ${order}), '')`,
  async create(later, prefix, schema) {
    const db = await createDb(prefix);
    later(() => dropDb(db));
    await psql(db, { sql: schema });
    return {
      source: (tenants) => pgSource(db, tenants),
      exec: (sql) => psql(db, { sql }),
      query: (sql) => pgQuery(db, sql),
      digest: () => tableDigests(db),
      table: (t) => `public.${t}`,
      qualified: (t) => `public.${t}`,
    };
  },
};

export const mysqlEngine: RowsEngine = {
  name: 'mysql',
  serial: 'int AUTO_INCREMENT',
  joined: (expr, order) => `COALESCE(GROUP_CONCAT(${expr} ORDER BY ${order} SEPARATOR ','), '')`,
  async create(later, prefix, schema) {
    const db = await createMysqlDb(`ob_${prefix}`);
    later(() => dropMysqlDb(db));
    await mysqlExec(db, schema);
    return {
      source: (tenants) => ({ type: 'mysql', url: mysqlUrl(db), tenants }),
      exec: (sql) => mysqlExec(db, sql),
      query: async (sql) => (await mysqlQuery(db, sql)).map((r) => ({ ...r })),
      digest: () => mysqlDigests(db),
      table: (t) => t,
      qualified: (t) => `${db}.${t}`,
    };
  },
};

/** The tenants setting every rows scenario uses: organizations are the tenants. */
export const ORG_TENANTS = { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' };
