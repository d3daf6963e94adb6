/** The SQLite engine (the sqlite3 CLI): one database file, or one file per tenant (mode directory). */
import type { SqliteSourceConfig } from '../../config/schema.js';
import type { Engine } from '../types.js';

export const sqliteEngine: Engine<SqliteSourceConfig> = {
  type: 'sqlite',
  runsQueries: false,
  async create(name, config, baseDir) {
    const { SqliteSource } = await import('./source.js');
    return new SqliteSource(name, config, baseDir);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkSqliteSource } = await import('./preflight.js');
    return checkSqliteSource(ctx, name, config, purpose);
  },
};
