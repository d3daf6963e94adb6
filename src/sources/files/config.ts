/** The files engine's descriptor (sources/descriptor.ts): its part of the config, assembled in config/schema.ts. */
import { z } from 'zod';
import { hooksSchema, MAX_JOBS, tenantsSchema } from '../../config/source-parts.js';
import type { EngineDescriptor } from '../descriptor.js';

export const filesSourceSchema = z
  .object({
    type: z.literal('files'),
    path: z.string().min(1),
    tenants: tenantsSchema.default({ mode: 'none', exclude: [], excludeTables: [] }),
    jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
    hooks: hooksSchema.optional(),
  })
  .strict();

export type FilesSourceConfig = z.infer<typeof filesSourceSchema>;

export const filesConfig = {
  schema: filesSourceSchema,
  modes: ['none', 'directory'],
  runsQueries: false,
  init: `    // Uploaded files, one subdirectory per tenant.
    "media": { "type": "files", "path": "./storage/tenants", "tenants": { "mode": "directory" } }`,
} satisfies EngineDescriptor;
