/** A throwaway directory holding the restored SQLite file, for restore tests of sqlite archives. */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { countRows, describeTables, resolveSqlite3 } from './cli.js';
import type { Scratch } from '../scratch.js';

export async function createSqliteScratch(parent: string, tools: Record<string, string>, signal: AbortSignal): Promise<Scratch> {
  const dir = await mkdtemp(path.join(parent, 'orgbackup-restore-test-'));
  const target = path.join(dir, 'restored.sqlite');
  return {
    target,
    where: `file ${target}`,
    measure: async () => {
      const sqlite3 = (await resolveSqlite3(tools)).file;
      const tables = await describeTables(sqlite3, target, signal);
      return { tables: await countRows(sqlite3, target, [...tables.keys()], signal) };
    },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}
