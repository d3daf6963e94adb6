/**
 * A PostgreSQL database's encoding and locale, recorded in the manifest at backup time and given
 * to every database a restore creates (a `--target`, a dropped tenant, a restore test's scratch).
 * Why: `CREATE DATABASE` takes the server's defaults, so a LATIN1 / C database came back as
 * UTF8 / C.UTF-8 (other sort order, other bytes; SQL_ASCII data could become invalid UTF-8).
 */
import type pg from 'pg';
import type { DatabaseLocale } from '../../archive/manifest.js';
import { OrgbackupError, ExitCode } from '../../errors.js';
import { quoteIdent } from './catalog.js';

/** The connected database's locale. to_jsonb reads columns that only newer servers have (15+, 17+). */
export async function readDatabaseLocale(client: pg.Client): Promise<DatabaseLocale> {
  const res = await client.query<{ encoding: string; collate: string; ctype: string; provider: string | null; locale: string | null }>(
    `SELECT pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype,
            to_jsonb(d) ->> 'datlocprovider' AS provider, coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') AS locale
       FROM pg_database d WHERE d.datname = current_database()`,
  );
  const row = res.rows[0]!;
  const provider = row.provider === 'i' ? 'icu' : row.provider === 'b' ? 'builtin' : undefined;
  return { encoding: row.encoding, collate: row.collate, ctype: row.ctype, ...(provider && row.locale ? { provider, locale: row.locale } : {}) };
}

/** `CREATE DATABASE` with the archived locale (from template0, which any encoding may copy). */
export function createDatabaseSql(client: pg.Client, name: string, locale: DatabaseLocale | undefined): string {
  if (!locale) return `CREATE DATABASE ${quoteIdent(name)}`;
  const lit = (s: string) => client.escapeLiteral(s);
  const provider = locale.provider && locale.locale ? ` LOCALE_PROVIDER ${locale.provider} ${locale.provider === 'icu' ? 'ICU_LOCALE' : 'BUILTIN_LOCALE'} ${lit(locale.locale)}` : '';
  return `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING ${lit(locale.encoding)} LC_COLLATE ${lit(locale.collate)} LC_CTYPE ${lit(locale.ctype)}${provider}`;
}

/** Creates `name` with the archived locale; a locale the server lacks is said as such. */
export async function createDatabaseWithLocale(client: pg.Client, name: string, locale: DatabaseLocale | undefined): Promise<void> {
  try {
    await client.query(createDatabaseSql(client, name, locale));
  } catch (error) {
    const pgError = error as { code?: string; message?: string };
    // 22023 invalid locale name / encoding does not match locale; 42704 unknown ICU locale.
    if (!locale || (pgError.code !== '22023' && pgError.code !== '42704')) throw error;
    throw new OrgbackupError(`cannot create database ${name} as the archived one was (${describeLocale(locale)}): ${pgError.message ?? String(error)}`, ExitCode.failed, {
      hint: 'install that locale on the server, or create the database yourself with one it has and restore into it (an existing database keeps its own encoding and locale)',
    });
  }
}

export function describeLocale(locale: DatabaseLocale): string {
  return `encoding ${locale.encoding}, collation ${locale.collate}, ctype ${locale.ctype}${locale.provider ? `, ${locale.provider} locale ${locale.locale}` : ''}`;
}
