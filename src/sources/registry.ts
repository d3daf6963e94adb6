/** Builds Source objects from the config by name; engines are loaded only when used. */
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Source } from './types.js';

export async function createSource(config: Config, name: string, baseDir: string): Promise<Source> {
  const source = config.sources[name];
  if (!source) throw new UsageError(`unknown source "${name}"`, { hint: `sources in the config: ${Object.keys(config.sources).join(', ')}` });
  switch (source.type) {
    case 'postgres': {
      const { PostgresSource } = await import('./postgres/source.js');
      return new PostgresSource(name, source);
    }
    case 'files': {
      const { FilesSource } = await import('./files.js');
      return new FilesSource(name, source, baseDir);
    }
    case 'mysql': {
      const { MysqlSource } = await import('./mysql/source.js');
      return new MysqlSource(name, source);
    }
    case 'sqlite': {
      const { SqliteSource } = await import('./sqlite/source.js');
      return new SqliteSource(name, source, baseDir);
    }
  }
}

/** Source types whose Source runs SQL queries (queryRows): those a tenants or plans query can name. */
export function runsQueries(type: string): boolean {
  return type === 'postgres' || type === 'mysql';
}

export function selectSourceNames(config: Config, requested: readonly string[] | undefined): string[] {
  const names = requested && requested.length > 0 ? [...new Set(requested)] : Object.keys(config.sources);
  for (const name of names) {
    if (!config.sources[name]) throw new UsageError(`unknown source "${name}"`, { hint: `sources in the config: ${Object.keys(config.sources).join(', ')}` });
  }
  return names;
}
