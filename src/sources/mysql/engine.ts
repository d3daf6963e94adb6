/** The MySQL/MariaDB engine (mysqldump/mariadb-dump and mysql/mariadb): modes none, database and rows. */
import type { MysqlSourceConfig } from '../../config/schema.js';
import type { Engine } from '../types.js';

export const mysqlEngine: Engine<MysqlSourceConfig> = {
  type: 'mysql',
  runsQueries: true,
  schemaOnlyCommand: 'mysqldump --no-data',
  scratchServer: {
    engine: 'MySQL/MariaDB',
    example: 'mysql://user@host:3306/mysql',
    async check(url, key) {
      const { parseMysqlUrl } = await import('./connection.js');
      parseMysqlUrl(url, key);
    },
  },
  async create(name, config) {
    const { MysqlSource } = await import('./source.js');
    return new MysqlSource(name, config);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkMysqlSource } = await import('./preflight.js');
    return checkMysqlSource(ctx, name, config, purpose);
  },
};
