/**
 * Tenant ids in the MySQL rows SQL under a server whose sql_mode has NO_BACKSLASH_ESCAPES. The
 * shared test server's global mode must not change, so the mode is set on this test's own
 * session: the tenant literal the rows dump, restore and scratch use must select exactly that
 * tenant's rows in either mode, and the tool's sessions (pinSqlMode, run on every connection it
 * opens) drop that one mode so mysql2's backslash-escaped parameters mean what they say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { createMysqlDb, dropMysqlDb, MYSQL_HOST, MYSQL_PORT, MYSQL_USER } from '../helpers/mysql.js';
import { mysqlTextLiteral, pinSqlMode } from '../../src/sources/mysql/connection.js';

const TENANTS = ["o'b\\x", "o'b", 'o', "o\\'b", 'ü\\', ''];
let db: string;
let client: mysql.Connection;

beforeAll(async () => {
  db = await createMysqlDb('h5_sqlmode');
  client = await mysql.createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: MYSQL_USER, database: db, charset: 'utf8mb4' });
  await client.query('CREATE TABLE t (id int PRIMARY KEY, org varchar(20) COLLATE utf8mb4_bin NOT NULL)');
  await client.query('INSERT INTO t VALUES ?', [
    TENANTS.flatMap((org, i) => [
      [i * 10 + 1, org],
      [i * 10 + 2, org],
    ]),
  ]);
});
afterAll(async () => {
  await client.end();
  await dropMysqlDb(db);
});

describe('tenant literal', () => {
  it.each(['NO_BACKSLASH_ESCAPES', 'STRICT_TRANS_TABLES', 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'])('selects exactly the tenant under sql_mode %s', async (mode) => {
    await client.query(`SET SESSION sql_mode = '${mode}'`);
    for (const [i, org] of TENANTS.entries()) {
      const [rows] = await client.query<RowDataPacket[]>(`SELECT id FROM t WHERE org = ${mysqlTextLiteral(org)} ORDER BY id`);
      expect(
        rows.map((r) => r.id as number),
        JSON.stringify(org),
      ).toEqual([i * 10 + 1, i * 10 + 2]);
    }
  });
});

describe("the tool's sessions", () => {
  it.each([
    { mode: 'NO_BACKSLASH_ESCAPES', pinned: '' },
    { mode: 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES', pinned: 'ANSI_QUOTES,STRICT_TRANS_TABLES' },
    { mode: 'STRICT_TRANS_TABLES', pinned: 'STRICT_TRANS_TABLES' },
  ])('$mode: drop NO_BACKSLASH_ESCAPES only, so mysql2 parameters select the tenant', async ({ mode, pinned }) => {
    await client.query(`SET SESSION sql_mode = '${mode}'`);
    await pinSqlMode(client);
    const [[row]] = await client.query<RowDataPacket[]>('SELECT @@SESSION.sql_mode AS m');
    expect(row!.m).toBe(pinned);
    for (const [i, org] of TENANTS.entries()) {
      const [rows] = await client.query<RowDataPacket[]>('SELECT id FROM t WHERE org = ? ORDER BY id', [org]);
      expect(
        rows.map((r) => r.id as number),
        JSON.stringify(org),
      ).toEqual([i * 10 + 1, i * 10 + 2]);
    }
  });
});
