/** The real local PostgreSQL server: throwaway databases and queries for tests. */
import { execa } from 'execa';
import pg from 'pg';
import { uniqueName } from './tmp.js';

export const PG_HOST = process.env.ORGBACKUP_TEST_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.ORGBACKUP_TEST_PG_PORT ?? 5432);
export const PG_USER = process.env.ORGBACKUP_TEST_PG_USER ?? 'postgres';

export function pgUrl(database: string, user = PG_USER, password?: string): string {
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
  return `postgres://${auth}@${PG_HOST}:${PG_PORT}/${database}`;
}

export async function pgQuery<T extends pg.QueryResultRow = Record<string, unknown>>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_USER, database });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function createDb(prefix = 'ob'): Promise<string> {
  const name = uniqueName(prefix);
  await pgQuery('postgres', `CREATE DATABASE "${name}"`);
  return name;
}

export async function dropDb(name: string): Promise<void> {
  await pgQuery('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** Runs an SQL file (or text) with psql, stopping at the first error. */
export async function psql(database: string, args: { file?: string; sql?: string; vars?: Record<string, string> }): Promise<void> {
  const argv = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', PG_HOST, '-p', String(PG_PORT), '-U', PG_USER, '-d', database];
  for (const [k, v] of Object.entries(args.vars ?? {})) argv.push('-v', `${k}=${v}`);
  if (args.file) argv.push('-f', args.file);
  await execa('psql', argv, { input: args.sql, env: { PGOPTIONS: '--client-min-messages=warning' } });
}

/** A digest per table (row count and md5 of all rows in a stable order): equal digests, equal data. */
export async function tableDigests(database: string, schemas: string[] = ['public']): Promise<Record<string, string>> {
  const tables = await pgQuery<{ t: string }>(
    database,
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) ORDER BY 1`,
    [schemas],
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await pgQuery<{ n: string; d: string | null }>(database, `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM ${t} x`);
    out[t] = `${row?.n}:${row?.d ?? ''}`;
  }
  return out;
}

export interface PasswordRole {
  user: string;
  drop(): Promise<void>;
}

/**
 * A superuser role that logs in with `password`, for the tests about secrets. On the suite's own
 * server (scripts/test-servers.sh) it joins ob_password_auth, which pg_hba.conf asks for a
 * scram-sha-256 password over TCP, and a wrong password is checked to be refused: a test using it
 * then fails if the password does not reach libpq (the passfile orgbackup writes for the tools).
 * On a server given through ORGBACKUP_TEST_PG_* its own pg_hba.conf decides.
 */
export async function createPasswordRole(password: string): Promise<PasswordRole> {
  const user = uniqueName('obpw');
  const group = process.env.ORGBACKUP_TEST_PG_PASSWORD_GROUP;
  const literal = `'${password.replace(/'/g, "''")}'`;
  await pgQuery('postgres', `CREATE ROLE "${user}" LOGIN SUPERUSER PASSWORD ${literal}${group ? ` IN ROLE "${group}"` : ''}`);
  const drop = async () => {
    await pgQuery('postgres', `DROP ROLE IF EXISTS "${user}"`);
  };
  if (group) {
    const wrong = new pg.Client({ host: PG_HOST, port: PG_PORT, user, password: `${password}-wrong`, database: 'postgres' });
    const refused = await wrong.connect().then(
      async () => (await wrong.end(), false),
      () => true,
    );
    if (!refused) {
      await drop();
      throw new Error(`the test PostgreSQL server let ${user} in with a wrong password: pg_hba.conf does not ask ${group} members for one`);
    }
  }
  return { user, drop };
}
