/** The PostgreSQL engine (pg_dump/pg_restore/psql): modes none, database, schema and rows. */
import type { PostgresSourceConfig, SourceConfig } from '../../config/schema.js';
import type { Engine } from '../types.js';

export const postgresEngine: Engine<PostgresSourceConfig> = {
  type: 'postgres',
  runsQueries: true,
  schemaOnlyCommand: 'pg_dump --schema-only',
  scratchServer: {
    engine: 'PostgreSQL',
    example: 'postgres://user@host:5432/postgres',
    async check(url, key) {
      const { parsePgUrl } = await import('./connection.js');
      parsePgUrl(url, key);
    },
  },
  async create(name, config) {
    const { PostgresSource } = await import('./source.js');
    return new PostgresSource(name, config);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkPostgresSource } = await import('./preflight.js');
    return checkPostgresSource(ctx, name, config, purpose);
  },
  async estimateBytes(name, config) {
    const { estimatePostgresBytes } = await import('./size.js');
    return estimatePostgresBytes(name, config);
  },
};

/** Whether a configured source is a PostgreSQL one (point-in-time restore reads only those). */
export function isPostgresSource(config: SourceConfig | undefined): config is PostgresSourceConfig {
  return config?.type === 'postgres';
}
