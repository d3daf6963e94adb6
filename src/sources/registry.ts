/** Builds Source objects from the config by name; engines are loaded only when used. */
import type { Config, SourceConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { filesEngine } from './files/engine.js';
import { mysqlEngine } from './mysql/engine.js';
import { postgresEngine } from './postgres/engine.js';
import { sqliteEngine } from './sqlite/engine.js';
import type { Engine, Source } from './types.js';

/** One line per engine: a new engine adds its folder and its line here. */
const ENGINES: { [T in SourceConfig['type']]: Engine<Extract<SourceConfig, { type: T }>> } = {
  postgres: postgresEngine,
  mysql: mysqlEngine,
  sqlite: sqliteEngine,
  files: filesEngine,
};

/** The engine of a configured source (the config schema admits only registered types). */
export function engineOf(config: SourceConfig): Engine {
  // The map's type pairs each type with its engine, so the engine gets a config of its own type.
  return ENGINES[config.type];
}

export async function createSource(config: Config, name: string, baseDir: string): Promise<Source> {
  const source = config.sources[name];
  if (!source) throw new UsageError(`unknown source "${name}"`, { hint: `sources in the config: ${Object.keys(config.sources).join(', ')}` });
  return engineOf(source).create(name, source, baseDir);
}

/** Whether the source runs SQL queries (queryRows): those a tenants or plans query can name. */
export function runsQueries(config: SourceConfig): boolean {
  return engineOf(config).runsQueries;
}

export function selectSourceNames(config: Config, requested: readonly string[] | undefined): string[] {
  const names = requested && requested.length > 0 ? [...new Set(requested)] : Object.keys(config.sources);
  for (const name of names) {
    if (!config.sources[name]) throw new UsageError(`unknown source "${name}"`, { hint: `sources in the config: ${Object.keys(config.sources).join(', ')}` });
  }
  return names;
}
