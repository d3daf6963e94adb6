/**
 * The physical backup tools point-in-time restore can read (docs/pitr.md). A provider is its
 * `pitr` config schema (provider-schemas.ts), one file with its code exporting an `open` function,
 * and one entry in PROVIDERS below: the `pitr` config schema (and so the JSON Schema) and the lookup
 * are built from this list. The code is imported only when a provider is opened.
 */
import { z } from 'zod';
import { baseBackupSchema, pgBackRestSchema } from './provider-schemas.js';
import type { PitrProvider, PitrProviderDefinition, ProviderPlace } from './types.js';

const baseBackup: PitrProviderDefinition<typeof baseBackupSchema> = {
  schema: baseBackupSchema,
  open: async (config, place) => (await import('./basebackup.js')).openBaseBackup(config, place),
};
const pgBackRest: PitrProviderDefinition<typeof pgBackRestSchema> = {
  schema: pgBackRestSchema,
  open: async (config, place) => (await import('./pgbackrest.js')).openPgBackRest(config, place),
};
const PROVIDERS = [baseBackup, pgBackRest] as const;

type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends PitrProviderDefinition<infer S> ? S : never };
/** `sources.<name>.pitr`: one of the providers' schemas, told apart by `type`. */
export const pitrSchema = z.discriminatedUnion('type', PROVIDERS.map((p) => p.schema) as unknown as SchemasOf<typeof PROVIDERS>);
export type PitrConfig = z.infer<typeof pitrSchema>;

export async function openProvider(config: PitrConfig, place: ProviderPlace): Promise<PitrProvider> {
  const definition = PROVIDERS.find((p) => p.schema.shape.type.value === config.type) as PitrProviderDefinition<z.ZodObject<{ type: z.ZodLiteral<string> }>>;
  return definition.open(config, place);
}
