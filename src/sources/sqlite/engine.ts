/** The SQLite engine's code (the sqlite3 CLI): one database file, or one file per tenant (mode directory). */
import type { EngineCode } from '../types.js';
import type { SqliteSourceConfig } from './config.js';

export const engine: EngineCode<SqliteSourceConfig> = {
  async create(name, config, baseDir) {
    const { SqliteSource } = await import('./source.js');
    return new SqliteSource(name, config, baseDir);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkSqliteSource } = await import('./preflight.js');
    return checkSqliteSource(ctx, name, config, purpose);
  },
};
