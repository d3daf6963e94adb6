/** The SQLite engine's descriptor (sources/descriptor.ts): its part of the config, assembled in config/schema.ts. */
import { z } from 'zod';
import { hooksSchema, MAX_JOBS, tenantsSchema, toolsSchema } from '../../config/source-parts.js';
import type { EngineDescriptor } from '../descriptor.js';

export const sqliteSourceSchema = z
  .object({
    type: z.literal('sqlite'),
    /** A database file, or a glob of files (one per tenant) in directory mode. */
    path: z.string().min(1),
    tenants: tenantsSchema.default({ mode: 'none', exclude: [], excludeTables: [] }),
    jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
    tools: toolsSchema,
    hooks: hooksSchema.optional(),
  })
  .strict();

export type SqliteSourceConfig = z.infer<typeof sqliteSourceSchema>;

export const sqliteConfig = { schema: sqliteSourceSchema, modes: ['none', 'directory'], runsQueries: false } satisfies EngineDescriptor;
