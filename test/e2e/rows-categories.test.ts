/**
 * Categories of a rows source (tenants.categories), PostgreSQL and MariaDB, through the built
 * binary: `create --category billing` archives only the billing tables and the parents they need
 * (NOT NULL foreign keys), the manifest and `list --long` record the categories an archive holds,
 * `restore --only billing` restores them from a full archive; a category with a nullable foreign key
 * out of it is refused naming the key, and a category naming an unknown table is refused naming it.
 */
import { describe, it } from 'vitest';
import { cleanupsAfterAll } from '../helpers/restore-fixtures.js';
import { mysqlEngine, postgresEngine } from '../helpers/rows-engines.js';
import { categoriesScenario } from '../helpers/rows-scenarios.js';
import { localStorage } from '../helpers/storages-under-test.js';

const later = cleanupsAfterAll();

describe('rows categories', () => {
  it('PostgreSQL: create --category, manifest and list, restore --only <category>, refusals', () => categoriesScenario(postgresEngine, localStorage, later));

  it('MariaDB: create --category, manifest and list, restore --only <category>, refusals', () => categoriesScenario(mysqlEngine, localStorage, later));
});
