/** Shared steps of the restore and restore-test suites: configs, archives, leftovers. */
import { expect } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { pgQuery, pgUrl } from './pg.js';
import { writeConfig } from './tmp.js';

/** A config with one source `app` and one local storage in `dir`/backups. */
export async function configWith(dir: string, source: Record<string, unknown>): Promise<string> {
  return writeConfig(dir, { version: 1, sources: { app: source }, storage: { local: { type: 'local', path: `${dir}/backups` } }, defaults: { storage: ['local'] } });
}

export function pgSource(database: string, tenants?: Record<string, unknown>, password?: string, user?: string): Record<string, unknown> {
  return { type: 'postgres', url: pgUrl(database, user, password), ...(tenants ? { tenants } : {}) };
}

/** Runs `create` and returns the ids of the archives it stored. */
export async function createArchives(config: string, extra: string[] = []): Promise<string[]> {
  const res = await runCli(['-c', config, '--json', 'create', ...extra]);
  expect(res.exitCode, res.stderr).toBe(0);
  return (res.json.archives as { id: string }[]).map((t: { id: string }) => t.id);
}

/** Scratch databases of a restore test of `database` that are still there (must be none). */
export async function scratchDatabasesOf(database: string): Promise<string[]> {
  const rows = await pgQuery<{ datname: string }>('postgres', `SELECT datname FROM pg_database WHERE datname LIKE 'ob\\_rt\\_%' AND datname LIKE '%' || $1`, [database.toLowerCase().slice(0, 40)]);
  return rows.map((r) => r.datname);
}

export interface VerifiedItem {
  id: string;
  status: string;
  failedLevel?: number;
  levels: number[];
  error?: string;
  hint?: string;
  restoreTest?: { where: string; tables: number; rows: number; files?: number; replaced?: boolean; problems: string[] };
}

export function verifyJson(res: CliResult): VerifiedItem[] {
  expect(res.json, res.stderr).toBeDefined();
  return (res.json as { archives: VerifiedItem[] }).archives;
}

/**
 * A doctored archive that only a restore test can catch: a plain verify of it passes (levels 1 and
 * 2), and `verify --restore-test` (with `restoreTest`, e.g. --scratch) fails at level 3 with exit 5.
 * Returns the failed item, for the test's own checks of its error.
 */
export async function failsRestoreTestOnly(config: string, doctored: string, restoreTest: string[] = [], options: { plainVerify?: boolean } = {}): Promise<VerifiedItem> {
  if (options.plainVerify !== false) {
    const plain = await runCli(['-c', config, '--json', 'verify', doctored]);
    expect(plain.exitCode, plain.stderr).toBe(0);
  }
  const res = await runCli(['-c', config, '--json', 'verify', doctored, '--restore-test', ...restoreTest]);
  expect(res.exitCode, res.stderr).toBe(5);
  const [item] = verifyJson(res);
  expect(item).toMatchObject({ status: 'failed', failedLevel: 3, levels: [1, 2] });
  return item!;
}
