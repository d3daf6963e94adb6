/**
 * `verify --scratch` checked before any archive is read: a value that does not fit the archives
 * to restore-test used to be dropped silently, and the test then ran on the source's own server.
 * Archives of an engine with a scratchServer (PostgreSQL, MySQL) need a URL it accepts (the server
 * that gets the throwaway database); the others (SQLite, files) need an existing directory.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { SourceConfig } from '../config/schema.js';
import { engineOf } from './registry.js';

function looksLikeUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** `sources`: source name -> its config, for the archives about to be restore-tested. */
export async function checkScratch(scratch: string, sources: ReadonlyMap<string, SourceConfig>): Promise<void> {
  const types = new Set([...sources.values()].map((config) => config.type));
  const mixed = types.size > 1 ? '; archives of different kinds need separate runs (--source)' : '';
  for (const [name, config] of sources) {
    const needs = engineOf(config).scratchServer;
    if (needs) {
      if (!looksLikeUrl(scratch)) {
        throw new UsageError(`--scratch "${scratch}" is not a URL, and source "${name}" is ${needs.engine}: its restore tests need the server to create their throwaway database on`, {
          hint: `give a URL such as ${needs.example}, or leave --scratch out to use the source's own server${mixed}`,
        });
      }
      await needs.check(scratch, '--scratch');
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
