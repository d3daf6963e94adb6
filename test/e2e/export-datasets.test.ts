/**
 * export of the public sample databases, compared value by value with the database they came
 * from: Pagila (PostgreSQL, whole-database archive: enums, domains, arrays, tsvector, bytea,
 * partitions) and Chinook (MySQL/MariaDB). The exported files are loaded into an empty copy of
 * the schema (the .sql files with the stock client, Pagila's CSV with COPY) and every table's
 * digest (all rows, every value) must equal the source's. Skipped, with the reason, when the
 * shared datasets are absent.
 */
import { describe, it } from 'vitest';
import { DATASETS_SKIP_REASON, hasDatasets } from '../helpers/datasets.js';
import { expectChinookExport, expectPagilaExport } from '../helpers/export-datasets.js';
import { configWith } from '../helpers/restore.js';
import { cleanupsAfterAll } from '../helpers/restore-fixtures.js';

const later = cleanupsAfterAll();
const why = hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON;

describe.skipIf(!hasDatasets)(`export of the sample databases (${why})`, () => {
  // Pagila is loaded three times and exported twice: on a loaded 2-core machine that takes minutes.
  it('Pagila (PostgreSQL): the sql and csv files load into an empty copy of the schema with every value equal', () => expectPagilaExport(configWith, later, ['sql', 'csv']), 420_000);

  it('Chinook (MySQL/MariaDB): the sql files load into an empty copy of the schema with every value equal', () => expectChinookExport(configWith, later));
});
