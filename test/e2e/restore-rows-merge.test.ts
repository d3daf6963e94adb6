/**
 * `restore --conflict merge` in rows mode, PostgreSQL and MariaDB, through the built binary: the
 * archived rows update the tenant's live rows with the same key, missing ones are inserted, live
 * rows absent from the archive are kept; the dry run counts updated / inserted / kept and changes
 * nothing; other tenants are untouched; a table without a primary key is refused by name (exit 2).
 */
import { describe, it } from 'vitest';
import { cleanupsAfterAll } from '../helpers/restore-fixtures.js';
import { mysqlEngine, postgresEngine } from '../helpers/rows-engines.js';
import { mergeScenario } from '../helpers/rows-scenarios.js';
import { localStorage } from '../helpers/storages-under-test.js';

const later = cleanupsAfterAll();

describe('restore --conflict merge', () => {
  it('PostgreSQL: updates and inserts archived rows, keeps live rows not in the archive', () => mergeScenario(postgresEngine, localStorage, later));

  it('MariaDB: updates and inserts archived rows, keeps live rows not in the archive', () => mergeScenario(mysqlEngine, localStorage, later));
});
