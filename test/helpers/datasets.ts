/** The shared public sample databases (Chinook, Pagila), read in place, never copied. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

export const DATASETS = process.env.ORGBACKUP_TEST_DATASETS ?? path.resolve(ROOT, '../shared/datasets');

export function dataset(...parts: string[]): string {
  return path.join(DATASETS, ...parts);
}

/** Whether the datasets are here; tests that need them skip with this reason when they are not. */
export const hasDatasets = existsSync(path.join(DATASETS, 'pagila', 'pagila-schema.sql'));
export const DATASETS_SKIP_REASON = `the shared datasets are not at ${DATASETS} (set ORGBACKUP_TEST_DATASETS)`;
