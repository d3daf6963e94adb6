/**
 * PostgreSQL connection settings from the source URL, for node-postgres and for the native tools.
 * The password reaches the tools through a 0600 passfile (PGPASSFILE) in the run's private temp
 * directory, never argv; the URL given to tools never carries it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { POSTGRES_URL } from '../../config/db-url.js';
import { ExitCode, OrgbackupError } from '../../errors.js';
import { hostInUrl } from '../../util/url-host.js';
import { parseDbUrl } from '../db-url.js';

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
  /** Other URL parameters that libpq understands (sslmode, application_name...). */
  params: Record<string, string>;
}

export function parsePgUrl(url: string, key = 'url'): PgConnection {
  const parts = parseDbUrl(url, key, POSTGRES_URL, { port: 5432, user: 'postgres' });
  const params: Record<string, string> = {};
  parts.url.searchParams.forEach((value, name) => (params[name] = value));
  return {
    host: parts.host || params.host || '127.0.0.1',
    port: parts.port,
    user: parts.user,
    database: parts.database || 'postgres',
    password: parts.password,
    params,
  };
}

/** The same server, another database. */
export function withDatabase(conn: PgConnection, database: string): PgConnection {
  return { ...conn, database };
}

export function describePg(conn: PgConnection): string {
  return `${conn.user}@${hostInUrl(conn.host)}:${conn.port}/${conn.database}`;
}

export function pgClient(conn: PgConnection): pg.Client {
  return new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    database: conn.database,
    password: conn.password ?? process.env.PGPASSWORD,
    ssl: conn.params.sslmode && conn.params.sslmode !== 'disable' ? { rejectUnauthorized: conn.params.sslmode === 'verify-full' } : undefined,
    application_name: 'orgbackup',
    connectionTimeoutMillis: 10_000,
  });
}

/** Runs `fn` with a connected client and always closes it. */
export async function withPgClient<T>(conn: PgConnection, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = pgClient(conn);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw pgConnectError(conn, error);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Environment for pg_dump/pg_restore/psql: connection in PG* variables, password in a passfile. */
export async function pgToolEnv(conn: PgConnection, tempDir: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    PGHOST: conn.host,
    PGPORT: String(conn.port),
    PGUSER: conn.user,
    PGDATABASE: conn.database,
    PGAPPNAME: 'orgbackup',
    PGCONNECT_TIMEOUT: '10',
  };
  if (conn.params.sslmode) env.PGSSLMODE = conn.params.sslmode;
  if (conn.password !== undefined) {
    const file = path.join(tempDir, `pgpass-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, pgPassfileLines(conn), { mode: 0o600 });
    env.PGPASSFILE = file;
  }
  return env;
}

/** A passfile field: libpq reads `\` and `:` escaped with a backslash. */
function passfileField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

/**
 * The passfile for `conn`: the password only for its exact host, port and user (any database,
 * since restores also connect to `postgres`), never `*:*:*:*:` which would hand it to any server
 * a connection string smuggled in somewhere names. libpq matches a Unix socket in its default
 * directory as `localhost`, so a socket host gets that line too.
 */
export function pgPassfileLines(conn: PgConnection): string {
  const password = passfileField(conn.password ?? '');
  const hosts = conn.host.startsWith('/') ? [conn.host, 'localhost'] : [conn.host];
  return hosts.map((host) => `${passfileField(host)}:${conn.port}:*:${passfileField(conn.user)}:${password}\n`).join('');
}

/**
 * `--dbname=` for psql/pg_restore naming `database` literally. libpq expands a dbname holding
 * `=` or starting with postgres:// as a connection string (`host=evil dbname=x` would connect
 * elsewhere); inside a connection string the single-quoted value is taken as it is.
 */
export function pgDbnameArg(database: string): string {
  return `--dbname=dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

interface PgError {
  code?: string;
  message?: string;
}

export function pgConnectError(conn: PgConnection, error: unknown): OrgbackupError {
  const err = error as PgError;
  const where = describePg(conn);
  // 28000 also means "no such role" (the server says so when it does not ask for a password):
  // "check the password" would send the operator the wrong way. -v prints the server's words (cause).
  const role = err.code === '28000' ? /role "(.*)" does not exist/.exec(err.message ?? '')?.[1] : undefined;
  if (role !== undefined) {
    return new OrgbackupError(`role "${role}" does not exist on PostgreSQL at ${conn.host}:${conn.port}`, ExitCode.failed, {
      hint: `use an existing role in the URL, or create this one: CREATE ROLE "${role}" LOGIN PASSWORD '...'`,
      cause: error,
    });
  }
  if (err.code === '28P01' || err.code === '28000') {
    return new OrgbackupError(`PostgreSQL refused the login for ${where}: authentication failed`, ExitCode.failed, {
      hint: 'check the password (password, passwordFile, PGPASSWORD) and pg_hba.conf for this host',
      cause: error,
    });
  }
  if (err.code === '3D000') {
    return new OrgbackupError(`database "${conn.database}" does not exist on ${conn.host}:${conn.port}`, ExitCode.failed, { hint: 'check the database name in the source URL' });
  }
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT' || err.code === 'EHOSTUNREACH') {
    return new OrgbackupError(`cannot reach PostgreSQL at ${conn.host}:${conn.port} (${err.code})`, ExitCode.failed, {
      hint: 'is the server running and listening there? check host, port and firewalls',
    });
  }
  return new OrgbackupError(`cannot connect to PostgreSQL ${where}: ${err.message ?? String(error)}`, ExitCode.failed, {
    hint: 'check that the server runs and is reachable from here (host, port, firewall), and the source URL',
  });
}
