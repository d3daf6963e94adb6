/** The PostgreSQL engine's code (pg_dump/pg_restore/psql): modes none, database, schema and rows. */
import type { PostgresSourceConfig, SourceConfig } from '../../config/schema.js';
import type { EngineCode } from '../types.js';

export const engine: EngineCode<PostgresSourceConfig> = {
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
  async checkScratchUrl(url, key) {
    const { parsePgUrl } = await import('./connection.js');
    parsePgUrl(url, key);
  },
};

/** Whether a configured source is a PostgreSQL one (point-in-time restore reads only those). */
export function isPostgresSource(config: SourceConfig | undefined): config is PostgresSourceConfig {
  return config?.type === 'postgres';
}
