// PLACEHOLDER (issue 5): replaced by the SQLite source.
import type { Source } from './types.js';
import type { SqliteSourceConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
const Placeholder = class SqliteSource {
  constructor(name: string, _config: SqliteSourceConfig, _baseDir: string) {
    throw new UsageError(`source "${name}": sqlite sources are not available in this build yet`);
  }
}
export const SqliteSource = Placeholder as unknown as new (name: string, config: SqliteSourceConfig, baseDir: string) => Source;
