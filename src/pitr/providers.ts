/**
 * The physical backup tools point-in-time restore can read (docs/pitr.md). A provider is one file
 * exporting a `PitrProviderDefinition` (types.ts) and one entry in PROVIDERS below: the `pitr`
 * config schema (and so the JSON Schema) and the lookup are built from this list.
 */
import { z } from 'zod';
import { baseBackupProvider } from './basebackup.js';
import { pgBackRestProvider } from './pgbackrest.js';
import type { PitrProvider, PitrProviderDefinition, ProviderPlace } from './types.js';

const PROVIDERS = [baseBackupProvider, pgBackRestProvider] as const;

type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends PitrProviderDefinition<infer S> ? S : never };
/** `sources.<name>.pitr`: one of the providers' schemas, told apart by `type`. */
export const pitrSchema = z.discriminatedUnion('type', PROVIDERS.map((p) => p.schema) as unknown as SchemasOf<typeof PROVIDERS>);
export type PitrConfig = z.infer<typeof pitrSchema>;

export function openProvider(config: PitrConfig, place: ProviderPlace): PitrProvider {
  const definition = PROVIDERS.find((p) => p.schema.shape.type.value === config.type) as PitrProviderDefinition<z.ZodObject<{ type: z.ZodLiteral<string> }>>;
  return definition.open(config, place);
}
