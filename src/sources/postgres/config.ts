/** The PostgreSQL engine's descriptor (sources/descriptor.ts): its part of the config, assembled in config/schema.ts. */
import { z } from 'zod';
import { POSTGRES_URL } from '../../config/db-url.js';
import { databaseSource, dbUrl } from '../../config/source-parts.js';
import type { EngineDescriptor } from '../descriptor.js';

// `pitr` (point-in-time restore, docs/pitr.md) is added in config/schema.ts: its providers live in
// src/pitr/, a layer above the engines. So PostgresSourceConfig, which has it, is config/schema.ts's.
export const postgresSourceSchema = z.object({ type: z.literal('postgres'), url: dbUrl(POSTGRES_URL), ...databaseSource }).strict();

export const postgresConfig = {
  schema: postgresSourceSchema,
  modes: ['none', 'database', 'schema', 'rows'],
  runsQueries: true,
  schemaOnlyCommand: 'pg_dump --schema-only',
  scratchServer: { engine: 'PostgreSQL', example: 'postgres://user@host:5432/postgres' },
  init: `    // A PostgreSQL database. tenants.mode: none | database | schema | rows
    "app": {
      "type": "postgres",
      "url": "postgres://backup@127.0.0.1:5432/app",
      "passwordFile": "\${ORGBACKUP_DB_PASSWORD_FILE:-/run/secrets/db-password}",
      "tenants": { "mode": "none" }
      // rows mode, one archive per organization:
      // "tenants": { "mode": "rows", "column": "org_id", "query": "SELECT id, slug AS name FROM organizations" }
    }`,
} satisfies EngineDescriptor;
