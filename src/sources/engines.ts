/**
 * The engines by source type, the one list of them: a new engine is its folder, src/sources/<type>/
 * (what it holds: the top of sources/types.ts), and its line here. Only the engines' descriptors
 * (<type>/config.ts, no engine code) are named, so the config schema, which is assembled from them,
 * can import this list; sources/registry.ts loads an engine's code, <type>/engine.ts, by its type
 * when a command first uses it.
 */
import type { z } from 'zod';
import type { EngineDescriptor } from './descriptor.js';
import { filesConfig } from './files/config.js';
import { mysqlConfig } from './mysql/config.js';
import { postgresConfig } from './postgres/config.js';
import { sqliteConfig } from './sqlite/config.js';

/** Each key is the type its schema names (`type: z.literal(<key>)`), which is also its folder's name. */
const byType = <M extends { [T in keyof M]: EngineDescriptor<z.ZodType<{ type: T }>> }>(engines: M): M => engines;

// The order is the config schema's (its JSON Schema lists the sources so) and `orgbackup init`'s.
export const ENGINES = byType({
  postgres: postgresConfig,
  mysql: mysqlConfig,
  sqlite: sqliteConfig,
  files: filesConfig,
});
