// PLACEHOLDER (issue 5): replaced by the MySQL source.
import type { Source } from '../types.js';
import type { MysqlSourceConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
const Placeholder = class MysqlSource {
  constructor(name: string, _config: MysqlSourceConfig) {
    throw new UsageError(`source "${name}": mysql sources are not available in this build yet`);
  }
}
export const MysqlSource = Placeholder as unknown as new (name: string, config: MysqlSourceConfig) => Source;
