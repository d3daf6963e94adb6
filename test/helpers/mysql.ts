/** The real local MariaDB/MySQL server: throwaway databases and users, SQL files, data digests. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { uniqueName } from './tmp.js';

export const MYSQL_HOST = process.env.ORGBACKUP_TEST_MYSQL_HOST ?? '127.0.0.1';
export const MYSQL_PORT = Number(process.env.ORGBACKUP_TEST_MYSQL_PORT ?? 3306);
export const MYSQL_USER = process.env.ORGBACKUP_TEST_MYSQL_USER ?? 'root';
export const MYSQL_CLIENT = process.env.ORGBACKUP_TEST_MYSQL_CLIENT ?? 'mariadb';

export function mysqlUrl(database: string, user = MYSQL_USER, password?: string): string {
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
  return `mysql://${auth}@${MYSQL_HOST}:${MYSQL_PORT}/${encodeURIComponent(database)}`;
}

async function connect(database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_USER, database, charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
}

export async function mysqlQuery<T = RowDataPacket>(database: string | undefined, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await connect(database);
  try {
    const [rows] = await client.query(sql, params);
    return rows as T[];
  } finally {
    await client.end();
  }
}

export async function createMysqlDb(prefix = 'ob'): Promise<string> {
  const name = uniqueName(prefix);
  await mysqlQuery(undefined, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  return name;
}

export async function dropMysqlDb(name: string): Promise<void> {
  await mysqlQuery(undefined, `DROP DATABASE IF EXISTS \`${name}\``);
}

/** A user that may log in from the test host; `grants` are run as given with `%u` for the account. */
export async function createMysqlUser(password: string, grants: string[]): Promise<{ user: string; drop(): Promise<void> }> {
  const user = uniqueName('obu').slice(0, 32);
  const account = `'${user}'@'${MYSQL_HOST === 'localhost' ? 'localhost' : '%'}'`;
  await mysqlQuery(undefined, `CREATE USER ${account} IDENTIFIED BY ?`, [password]);
  for (const grant of grants) await mysqlQuery(undefined, grant.replace(/%u/g, account));
  return { user, drop: async () => void (await mysqlQuery(undefined, `DROP USER IF EXISTS ${account}`)) };
}

/** Runs SQL text with the mysql client (stopping at the first error), in `database`. */
export async function mysqlExec(database: string, sql: string): Promise<void> {
  await execa(MYSQL_CLIENT, ['-h', MYSQL_HOST, '-P', String(MYSQL_PORT), '-u', MYSQL_USER, '--default-character-set=utf8mb4', database], { input: sql });
}

export async function mysqlLoadFile(database: string, file: string): Promise<void> {
  await mysqlExec(database, await readFile(file, 'utf8'));
}

/** Chinook_MySql.sql creates and uses its own `Chinook` database; this loads it into `database`. */
export async function loadChinookMysql(database: string, file: string): Promise<void> {
  const sql = (await readFile(file, 'utf8')).replace(/^(DROP DATABASE|CREATE DATABASE|USE) .*$/gm, '');
  await mysqlExec(database, sql);
}

function cell(value: unknown): unknown {
  return Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : value;
}

/**
 * A digest per table (row count and sha256 of every row in primary-key order, BLOBs in hex) and
 * one for the other objects (columns, views, routines, triggers, events; the database name
 * replaced, so a copy under another name compares equal): equal digests, equal databases.
 */
export async function mysqlDigests(database: string): Promise<Record<string, string>> {
  const client = await connect(database);
  try {
    const out: Record<string, string> = {};
    const [tables] = await client.query<RowDataPacket[]>("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [database]);
    for (const { t } of tables) {
      const [cols] = await client.query<RowDataPacket[]>(
        'SELECT COLUMN_NAME AS c, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [database, t],
      );
      const keys = cols.filter((c) => c.k === 'PRI').map((c) => `\`${String(c.c)}\``);
      const order = (keys.length > 0 ? keys : cols.map((c) => `\`${String(c.c)}\``)).join(', ');
      const [rows] = await client.query<RowDataPacket[]>({ sql: `SELECT * FROM \`${String(t)}\` ORDER BY ${order}`, rowsAsArray: true });
      const hash = createHash('sha256');
      for (const row of rows as unknown as unknown[][]) hash.update(JSON.stringify(row.map(cell)) + '\n');
      out[String(t)] = `${rows.length}:${hash.digest('hex')}`;
    }
    out['(objects)'] = await objectsDigest(client, database);
    return out;
  } finally {
    await client.end();
  }
}

async function objectsDigest(client: mysql.Connection, database: string): Promise<string> {
  const queries = [
    'SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY 1, ORDINAL_POSITION',
    'SELECT CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY 1',
    'SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY 1',
    'SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, DATA_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1',
    'SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT, ACTION_TIMING FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1',
    'SELECT EVENT_NAME, EVENT_DEFINITION, INTERVAL_VALUE, INTERVAL_FIELD, STATUS, STARTS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1',
  ];
  const hash = createHash('sha256');
  for (const sql of queries) {
    const [rows] = await client.query<RowDataPacket[]>(sql, [database]);
    hash.update(JSON.stringify(rows).split(`\`${database}\``).join('`<db>`') + '\n');
  }
  return hash.digest('hex');
}

/** The GRANT that lets an account read routines others defined (mysqldump --routines needs it). */
export async function routineReadGrant(): Promise<string> {
  const [row] = await mysqlQuery<{ v: string }>(undefined, 'SELECT VERSION() AS v');
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(row?.v ?? '') ?? []).slice(1).map(Number);
  const showRoutine = /mariadb/i.test(row?.v ?? '') ? major > 11 || (major === 11 && minor >= 3) : major > 8 || (major === 8 && (minor > 0 || patch >= 20));
  if (!showRoutine) return 'GRANT SELECT ON mysql.proc TO %u';
  return /mariadb/i.test(row?.v ?? '') ? 'GRANT SHOW CREATE ROUTINE ON *.* TO %u' : 'GRANT SHOW_ROUTINE ON *.* TO %u';
}
