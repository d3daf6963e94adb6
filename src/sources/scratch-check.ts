/**
 * `verify --scratch` checked before any archive is read: a value that does not fit the archives
 * to restore-test used to be dropped silently, and the test then ran on the source's own server.
 * Database archives need a URL of their engine (the server that gets the throwaway database);
 * SQLite and files archives need an existing directory.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { parseMysqlUrl } from './mysql/connection.js';
import { parsePgUrl } from './postgres/connection.js';

/** What each source type needs in --scratch, for the messages. */
const NEEDS: Record<string, { engine: string; example: string }> = {
  postgres: { engine: 'PostgreSQL', example: 'postgres://user@host:5432/postgres' },
  mysql: { engine: 'MySQL/MariaDB', example: 'mysql://user@host:3306/mysql' },
};

function looksLikeUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** `sources`: source name -> source type, for the archives about to be restore-tested. */
export async function checkScratch(scratch: string, sources: ReadonlyMap<string, string>): Promise<void> {
  const types = new Set(sources.values());
  const mixed = types.size > 1 ? '; archives of different kinds need separate runs (--source)' : '';
  for (const [name, type] of sources) {
    const needs = NEEDS[type];
    if (needs) {
      if (!looksLikeUrl(scratch)) {
        throw new UsageError(`--scratch "${scratch}" is not a URL, and source "${name}" is ${needs.engine}: its restore tests need the server to create their throwaway database on`, {
          hint: `give a URL such as ${needs.example}, or leave --scratch out to use the source's own server${mixed}`,
        });
      }
      if (type === 'postgres') parsePgUrl(scratch, '--scratch');
      else parseMysqlUrl(scratch, '--scratch');
    } else await checkDirectory(scratch, name, mixed);
  }
}

async function checkDirectory(scratch: string, name: string, mixed: string): Promise<void> {
  const hint = `give an existing directory, or leave --scratch out to use the temp directory${mixed}`;
  if (looksLikeUrl(scratch)) throw new UsageError(`--scratch "${scratch}" is a URL, and the archives of source "${name}" are restore-tested in a directory`, { hint });
  const info = await stat(scratch).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) throw new UsageError(`--scratch "${scratch}": ${info.code === 'ENOENT' ? 'no such directory' : info.message}`, { hint });
  if (!info.isDirectory()) throw new UsageError(`--scratch "${scratch}" is not a directory`, { hint });
}
