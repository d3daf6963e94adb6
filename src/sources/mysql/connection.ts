/**
 * MySQL/MariaDB connection settings from the source URL (`mysql://user@host:3306/db`, also
 * `mariadb://`), for mysql2 and for the native tools. The tools get every connection setting in
 * a 0600 option file in the run's private temp dir, passed as `--defaults-extra-file` (which the
 * clients only accept as their first argument): the password never reaches argv.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { MYSQL_URL } from '../../config/db-url.js';
import { ExitCode, OrgbackupError } from '../../errors.js';
import { registerSecret } from '../../redact.js';
import { hostInUrl } from '../../util/url-host.js';
import { parseDbUrl } from '../db-url.js';

export interface MysqlConnection {
  host: string;
  port: number;
  user: string;
  /** Empty when the URL names no database (a server-level connection). */
  database: string;
  password?: string;
  /** A unix socket instead of TCP (`?socket=/run/mysqld/mysqld.sock`). */
  socket?: string;
  /** `?ssl=true` (or ssl-mode=REQUIRED/VERIFY_*): TLS for mysql2 and the tools. */
  ssl?: 'required' | 'verify';
}

export function parseMysqlUrl(url: string, key = 'url'): MysqlConnection {
  const parts = parseDbUrl(url, key, MYSQL_URL, { port: 3306, user: 'root' });
  const params = parts.url.searchParams;
  const sslMode = (params.get('ssl-mode') ?? params.get('sslmode') ?? (params.get('ssl') === 'true' ? 'REQUIRED' : '')).toUpperCase();
  const conn: MysqlConnection = {
    host: parts.host || '127.0.0.1',
    port: parts.port,
    user: parts.user,
    database: parts.database,
    ...(parts.password !== undefined ? { password: parts.password } : {}),
    ...(params.get('socket') ? { socket: params.get('socket')! } : {}),
  };
  if (sslMode === 'REQUIRED') conn.ssl = 'required';
  else if (sslMode.startsWith('VERIFY')) conn.ssl = 'verify';
  return conn;
}

export function withDatabase(conn: MysqlConnection, database: string): MysqlConnection {
  return { ...conn, database };
}

export function describeMysql(conn: MysqlConnection): string {
  const where = conn.socket ? conn.socket : `${hostInUrl(conn.host)}:${conn.port}`;
  return `${conn.user}@${where}/${conn.database}`;
}

export function quoteMysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * A utf8mb4 string literal written in hex, so no sql_mode changes what it means: quoted escapes
 * (`'a\\'b'`) are read differently under NO_BACKSLASH_ESCAPES. Tenant ids go into SQL this way.
 */
export function mysqlTextLiteral(value: string): string {
  return `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
}

/**
 * mysql2 escapes `?` parameters and `escape()` with backslashes, which a server whose sql_mode
 * has NO_BACKSLASH_ESCAPES reads differently (a quote in a value ends the string there). Every
 * session drops that one mode and keeps the rest of the server's.
 */
export async function pinSqlMode(client: mysql.Connection): Promise<void> {
  await client.query("SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))");
}

/** Opens a mysql2 connection; login and reachability problems become errors with hints. */
export async function mysqlConnect(conn: MysqlConnection): Promise<mysql.Connection> {
  // The clients' own fallback variable: a secret like any other.
  registerSecret(process.env.MYSQL_PWD);
  let client: mysql.Connection;
  try {
    client = await mysql.createConnection({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password ?? process.env.MYSQL_PWD,
      ...(conn.database ? { database: conn.database } : {}),
      ...(conn.socket ? { socketPath: conn.socket } : {}),
      ...(conn.ssl ? { ssl: { rejectUnauthorized: conn.ssl === 'verify' } } : {}),
      charset: 'utf8mb4',
      connectTimeout: 10_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
  } catch (error) {
    throw mysqlConnectError(conn, error);
  }
  try {
    await pinSqlMode(client);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw mysqlConnectError(conn, error);
  }
  return client;
}

/** Runs `fn` with a connected client and always closes it. */
export async function withMysql<T>(conn: MysqlConnection, fn: (client: mysql.Connection) => Promise<T>): Promise<T> {
  const client = await mysqlConnect(conn);
  client.on('error', () => undefined);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Option-file values are double-quoted; backslash, quote and line breaks are escaped. */
function optionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/**
 * Writes the [client] option file for mysqldump/mysql into `tempDir` (0600) and returns its
 * path, for `--defaults-extra-file=<path>` as the tool's first argument.
 */
export async function writeDefaultsFile(conn: MysqlConnection, tempDir: string): Promise<string> {
  const lines = ['[client]', `user=${optionValue(conn.user)}`];
  if (conn.password !== undefined) lines.push(`password=${optionValue(conn.password)}`);
  if (conn.socket) lines.push(`socket=${optionValue(conn.socket)}`, 'protocol=SOCKET');
  else lines.push(`host=${optionValue(conn.host)}`, `port=${conn.port}`, 'protocol=TCP');
  if (conn.ssl) lines.push(conn.ssl === 'verify' ? 'ssl-verify-server-cert' : 'ssl');
  const file = path.join(tempDir, `mysql-${process.pid}-${randomBytes(6).toString('hex')}.cnf`);
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}

interface MysqlError {
  code?: string;
  errno?: number;
  message?: string;
}

export function mysqlConnectError(conn: MysqlConnection, error: unknown): OrgbackupError {
  const err = error as MysqlError;
  const where = describeMysql(conn);
  // Before the login the flavour is unknown: the words name both servers (MariaDB speaks the same protocol).
  if (err.code === 'ER_ACCESS_DENIED_ERROR' || err.errno === 1045 || err.errno === 1698) {
    return new OrgbackupError(`MySQL/MariaDB refused the login for ${where}: access denied (wrong user or password)`, ExitCode.failed, {
      hint: 'check the password (password, passwordFile, or the URL) and that the user may connect from this host',
    });
  }
  if (err.code === 'ER_BAD_DB_ERROR' || err.errno === 1049) {
    return new OrgbackupError(`database "${conn.database}" does not exist on ${conn.host}:${conn.port}`, ExitCode.failed, {
      hint: 'check the database name in the source URL (SHOW DATABASES lists them)',
    });
  }
  if (err.code === 'ER_DBACCESS_DENIED_ERROR' || err.errno === 1044) {
    // The server answers "access denied" for a database that does not exist too (it does not tell a
    // limited user which databases exist), so a typo in the name is as likely as a missing grant.
    return new OrgbackupError(`user ${conn.user} may not use database "${conn.database}" on ${conn.host}:${conn.port} (or it does not exist)`, ExitCode.failed, {
      hint: `check the database name in the URL (SHOW DATABASES as ${conn.user} lists the ones it may use); if it is right: GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES ON \`${conn.database}\`.* TO '${conn.user}'@'<host>'`,
    });
  }
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT' || err.code === 'EHOSTUNREACH' || err.code === 'ENOENT') {
    return new OrgbackupError(`cannot reach MySQL/MariaDB at ${conn.socket ?? `${conn.host}:${conn.port}`} (${err.code})`, ExitCode.failed, {
      hint: 'is the server running and listening there? check host, port and firewalls',
    });
  }
  return new OrgbackupError(`cannot connect to MySQL/MariaDB ${where}: ${err.message ?? String(error)}`, ExitCode.failed, {
    cause: error,
    hint: 'check that the server runs and is reachable from here (host, port, firewall), and the source URL',
  });
}
