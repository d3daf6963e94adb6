/**
 * What a dump needs of a MySQL/MariaDB account, read from information_schema's privilege views
 * (which show the current account's own grants). A dump needs, on the database:
 * - SELECT on every table. MySQL hides tables an account has no grant on at all, and mysqldump
 *   then leaves them out silently; only a database-wide (or global) SELECT guarantees all of them.
 * - SHOW VIEW when there are views (mysqldump fails without it),
 * - TRIGGER (without it SHOW TRIGGERS answers empty and the triggers vanish from the dump),
 * - EVENT (--events fails without it),
 * - the right to read routines it did not define: SELECT on mysql.proc (MariaDB before 11.3),
 *   SHOW CREATE ROUTINE (MariaDB 11.3+) or SHOW_ROUTINE (MySQL 8.0.20+); without it mysqldump
 *   --routines leaves them out silently (or fails on the ones it half sees).
 * LOCK TABLES is not needed: --single-transaction reads in one snapshot instead of locking.
 */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { listTables, listViews } from './catalog.js';
import { quoteMysqlIdent } from './connection.js';

export interface PrivilegeProblem {
  privilege: string;
  why: string;
  /** The tables (or routines) concerned, when it concerns some. */
  tables?: string[];
  /** The privilege is granted on this object instead of the database (`mysql.proc`, `*.*`). */
  on?: string;
}

export interface PrivilegeReport {
  /** `'user'@'host'`, as GRANT statements name it. */
  account: string;
  problems: PrivilegeProblem[];
  /** The account uses roles, whose grants these views may not show: problems are uncertain. */
  viaRoles: boolean;
}

/** `user@host` from CURRENT_USER() as `'user'@'host'`. */
export function grantee(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const user = at < 0 ? currentUser : currentUser.slice(0, at);
  const host = at < 0 ? '%' : currentUser.slice(at + 1);
  return `'${user.replace(/'/g, "''")}'@'${host.replace(/'/g, "''")}'`;
}

async function databasePrivileges(client: mysql.Connection, account: string, database: string): Promise<Set<string>> {
  const [rows] = await client.query<RowDataPacket[]>(
    `SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?
     UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND ? LIKE TABLE_SCHEMA`,
    [account, account, database],
  );
  return new Set(rows.map((r) => String(r.p)));
}

async function tablesWithSelect(client: mysql.Connection, account: string, database: string): Promise<Set<string>> {
  const [rows] = await client.query<RowDataPacket[]>("SELECT TABLE_NAME AS t FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = ? AND PRIVILEGE_TYPE = 'SELECT'", [
    account,
    database,
  ]);
  return new Set(rows.map((r) => String(r.t)));
}

async function usesRoles(client: mysql.Connection): Promise<boolean> {
  const rows = await client.query<RowDataPacket[]>('SELECT CURRENT_ROLE() AS r').then(
    ([r]) => r,
    () => [] as RowDataPacket[],
  );
  const role: unknown = rows[0]?.r;
  return role !== undefined && role !== null && role !== 'NONE' && role !== '';
}

export async function dumpPrivilegeReport(client: mysql.Connection, database: string): Promise<PrivilegeReport> {
  const [who] = await client.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u');
  const account = grantee(String(who[0]?.u ?? ''));
  const held = await databasePrivileges(client, account, database);
  const problems: PrivilegeProblem[] = [];
  if (!held.has('SELECT')) {
    const readable = await tablesWithSelect(client, account, database);
    const unreadable = (await listTables(client, database)).filter((t) => !readable.has(t));
    problems.push({
      privilege: 'SELECT',
      why: unreadable.length > 0 ? `cannot read ${unreadable.length} table(s)` : 'has SELECT only table by table, and tables without a grant are invisible to it and would be left out of the dump',
      ...(unreadable.length > 0 ? { tables: unreadable } : {}),
    });
  }
  if (!held.has('SHOW VIEW')) {
    // Views are invisible without some privilege on them: when SELECT is missing too, ask for both.
    const views = await listViews(client, database);
    if (views.length > 0 || !held.has('SELECT'))
      problems.push({ privilege: 'SHOW VIEW', why: views.length > 0 ? `cannot dump ${views.length} view(s)` : 'views would fail the dump', ...(views.length > 0 ? { tables: views } : {}) });
  }
  if (!held.has('TRIGGER')) problems.push({ privilege: 'TRIGGER', why: 'without it triggers are silently left out of the dump' });
  if (!held.has('EVENT')) problems.push({ privilege: 'EVENT', why: 'mysqldump --events fails without it' });
  if (!(await canReadRoutines(client, account, held))) {
    problems.push({ ...(await routinePrivilege(client)), why: 'routines other accounts defined are invisible to it, and mysqldump --routines leaves them out silently' });
  }
  return { account, problems, viaRoles: await usesRoles(client) };
}

/**
 * Whether the account sees every routine's body: global SELECT, SHOW_ROUTINE (MySQL 8.0.20+),
 * SHOW CREATE ROUTINE (MariaDB 11.3+), or SELECT on mysql.proc (MariaDB before 11.3).
 */
async function canReadRoutines(client: mysql.Connection, account: string, held: Set<string>): Promise<boolean> {
  if (held.has('SHOW CREATE ROUTINE')) return true;
  const [rows] = await client.query<RowDataPacket[]>(
    `SELECT 1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE IN ('SELECT', 'SHOW_ROUTINE', 'SHOW CREATE ROUTINE')
     UNION SELECT 1 FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND 'mysql' LIKE TABLE_SCHEMA AND PRIVILEGE_TYPE = 'SELECT'
     UNION SELECT 1 FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'proc' AND PRIVILEGE_TYPE = 'SELECT'`,
    [account, account, account],
  );
  return rows.length > 0;
}

/** What lets an account read other definers' routines on this server. */
async function routinePrivilege(client: mysql.Connection): Promise<{ privilege: string; on: string }> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const version = String(rows[0]?.v ?? '');
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  const mariadb = /mariadb/i.test(version);
  const hasShowRoutine = mariadb ? major > 11 || (major === 11 && minor >= 3) : major > 8 || (major === 8 && (minor > 0 || patch >= 20));
  if (!hasShowRoutine) return { privilege: 'SELECT', on: 'mysql.proc' };
  return { privilege: mariadb ? 'SHOW CREATE ROUTINE' : 'SHOW_ROUTINE', on: '*.*' };
}

export function describePrivilegeProblems(report: PrivilegeReport, database: string): string {
  const parts = report.problems.map((p) => {
    const tables = p.tables ? ` (${p.tables.slice(0, 5).join(', ')}${p.tables.length > 5 ? ', ...' : ''})` : '';
    return `no ${p.privilege}${p.on ? ` on ${p.on}` : ''}: ${p.why}${tables}`;
  });
  return `${report.account} lacks privileges on database ${database}: ${parts.join('; ')}`;
}

/** The GRANT statements that fix the problems. */
export function grantStatement(report: PrivilegeReport, database: string): string {
  const byObject = new Map<string, string[]>();
  for (const p of report.problems) {
    const on = p.on ?? `${quoteMysqlIdent(database)}.*`;
    byObject.set(on, [...(byObject.get(on) ?? []), p.privilege]);
  }
  return [...byObject].map(([on, privileges]) => `GRANT ${privileges.join(', ')} ON ${on} TO ${report.account};`).join(' ');
}
