/**
 * What an engine tells the program without being loaded: its part of the config (schema, tenant
 * modes, starter entry; config/source-parts.ts) and the facts commands need before they open a
 * source. Each engine's is in src/sources/<engine>/config.ts, listed in src/sources/engines.ts.
 * The config schema is assembled from these, so a descriptor imports only zod and config/, never
 * the engine's code (which imports the config's types: that would be a cycle).
 */
import type { z } from 'zod';
import type { EngineConfig } from '../config/source-parts.js';

export interface EngineDescriptor<S extends z.ZodType = z.ZodType> extends EngineConfig<S> {
  /** Whether its Source runs SQL queries (queryRows): those a tenants or plans query can name. */
  readonly runsQueries: boolean;
  /** How an operator makes an empty copy of a tenant's tables elsewhere, for the hint of a missing --target database. */
  readonly schemaOnlyCommand?: string;
  /**
   * Database engines: restore tests make their throwaway database on a server, so `verify --scratch`
   * names one by URL (engine and example for the messages; the engine's checkScratchUrl checks it).
   * Without it, restore tests run in a directory and --scratch names that.
   */
  readonly scratchServer?: { engine: string; example: string };
}
