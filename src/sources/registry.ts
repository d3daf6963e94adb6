/** Builds Source objects from the config by name; an engine's code is loaded when it is first used. */
import type { Config, SourceConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { EngineDescriptor } from './descriptor.js';
import { ENGINES } from './engines.js';
import type { Engine, EngineCode, Source } from './types.js';

/**
 * An engine's code, src/sources/<type>/engine.ts, found by its type: the engines are listed once,
 * in engines.ts (scripts/check-imports.mjs follows this import to every such file).
 */
async function codeOf(type: SourceConfig['type']): Promise<EngineCode> {
  const loaded = (await import(/* @vite-ignore */ `./${type}/engine.js`)) as { engine: EngineCode };
  return loaded.engine;
}

/** The engine of a configured source (the config schema admits only the types in engines.ts). */
export function engineOf(config: SourceConfig): Engine {
  const { type } = config;
  const { runsQueries, schemaOnlyCommand, scratchServer }: EngineDescriptor = ENGINES[type];
  const code = () => codeOf(type);
  const check = async (url: string, key: string) => {
    await (await code()).checkScratchUrl?.(url, key);
  };
  return {
    type,
    runsQueries,
    ...(schemaOnlyCommand ? { schemaOnlyCommand } : {}),
    ...(scratchServer ? { scratchServer: { ...scratchServer, check } } : {}),
    create: async (name, source, baseDir) => (await code()).create(name, source, baseDir),
    preflight: async (ctx, name, source, purpose) => (await code()).preflight(ctx, name, source, purpose),
    estimateBytes: async (name, source, baseDir) => (await code()).estimateBytes?.(name, source, baseDir),
  };
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
