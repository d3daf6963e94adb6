/** The MySQL/MariaDB engine's code (mysqldump/mariadb-dump and mysql/mariadb): modes none, database and rows. */
import type { EngineCode } from '../types.js';
import type { MysqlSourceConfig } from './config.js';

export const engine: EngineCode<MysqlSourceConfig> = {
  async create(name, config) {
    const { MysqlSource } = await import('./source.js');
    return new MysqlSource(name, config);
  },
  async preflight(ctx, name, config, purpose) {
    const { checkMysqlSource } = await import('./preflight.js');
    return checkMysqlSource(ctx, name, config, purpose);
  },
  async checkScratchUrl(url, key) {
    const { parseMysqlUrl } = await import('./connection.js');
    parseMysqlUrl(url, key);
  },
};
