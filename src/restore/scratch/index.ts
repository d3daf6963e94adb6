/** Picks the scratch place for an archive by its source type and tenant mode. */
import type { Sidecar } from '../../archive/manifest.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { Source } from '../../sources/types.js';
import type { Scratch } from './types.js';

/** A `--scratch` value is a URL for database sources and a directory for files sources. */
function isUrl(value: string | undefined): value is string {
  return !!value && /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

export async function createScratch(source: Source, sidecar: Sidecar, scratch: string | undefined, ctx: Context): Promise<Scratch> {
  const mode = sidecar.tenant.mode;
  if (source.type === 'files') {
    if (scratch && isUrl(scratch)) ctx.log.debug(`--scratch ${scratch} is a URL; files archives are restore-tested under the temp directory`);
    const { createFilesScratch } = await import('./files.js');
    return createFilesScratch(scratch && !isUrl(scratch) ? scratch : await ctx.tempDir());
  }
  if (source.type === 'postgres') {
    const { PostgresSource } = await import('../../sources/postgres/source.js');
    if (!(source instanceof PostgresSource)) throw new Error('internal: postgres source of an unexpected class');
    const pg = await import('./postgres.js');
    const conn = await source.conn();
    const url = isUrl(scratch) ? scratch : undefined;
    if (mode === 'none' || mode === 'database') return pg.createDatabaseScratch(pg.scratchServer(conn, url), sidecar);
    if (mode === 'rows') {
      const { createRowsScratch } = await import('./postgres-rows.js');
      return createRowsScratch(conn, pg.scratchServer(conn, url), sidecar, { tools: source.config.tools, tempDir: await ctx.tempDir(), signal: ctx.signal });
    }
    if (mode === 'schema') {
      if (url) ctx.log.warn('--scratch is not used for schema-mode archives: they are restore-tested in a throwaway schema of the source database');
      return pg.createSchemaScratch(conn, sidecar);
    }
  }
  if (source.type === 'sqlite') {
    const { SqliteSource } = await import('../../sources/sqlite/source.js');
    if (!(source instanceof SqliteSource)) throw new Error('internal: sqlite source of an unexpected class');
    const { createSqliteScratch } = await import('./sqlite.js');
    return createSqliteScratch(scratch && !isUrl(scratch) ? scratch : await ctx.tempDir(), source.config.tools, ctx.signal);
  }
  if (source.type === 'mysql' && (mode === 'none' || mode === 'database' || mode === 'rows')) {
    const { MysqlSource } = await import('../../sources/mysql/source.js');
    if (!(source instanceof MysqlSource)) throw new Error('internal: mysql source of an unexpected class');
    const { createMysqlScratch, mysqlScratchServer } = await import('./mysql.js');
    const conn = await source.conn();
    const server = mysqlScratchServer(conn, isUrl(scratch) ? scratch : undefined);
    if (mode !== 'rows') return createMysqlScratch(server, sidecar);
    const { createMysqlRowsScratch } = await import('./mysql-rows.js');
    return createMysqlRowsScratch(conn, server, sidecar, { tools: source.config.tools, tempDir: await ctx.tempDir(), signal: ctx.signal });
  }
  throw new UsageError(`restore tests of ${source.type} archives in tenant mode ${mode} are not supported by this build`);
}
