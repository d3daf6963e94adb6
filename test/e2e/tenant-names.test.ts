/**
 * Tenant ids that cannot name an archive as they are (empty), through the built binary: that
 * tenant fails on its own and the others are backed up and reported (exit 3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { dropDb, pgQuery, PG_HOST, PG_PORT } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { archivesOf, cli } from '../helpers/tenants.js';

describe('a tenants query returning an empty id among others', () => {
  let db: string;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  const ids = ['acme', '', 'globex'];

  beforeAll(async () => {
    db = uniqueName('ob_names');
    await pgQuery('postgres', `CREATE DATABASE "${db}"`);
    await pgQuery(db, `CREATE TABLE docs (id serial PRIMARY KEY, tenant text NOT NULL, body text NOT NULL)`);
    for (const id of ids) await pgQuery(db, `INSERT INTO docs (tenant, body) SELECT $1, 'doc ' || g FROM generate_series(1, 2) g`, [id]);
    dir = await tempDir();
    config = await writeConfig(dir.dir, {
      version: 1,
      sources: { app: { type: 'postgres', url: `postgres://postgres@${PG_HOST}:${PG_PORT}/${db}`, tenants: { mode: 'rows', column: 'tenant', query: 'SELECT DISTINCT tenant AS id FROM docs ORDER BY 1' } } },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  });

  afterAll(async () => {
    await dropDb(db);
    await dir.cleanup();
  });

  it('fails that tenant alone, reports every tenant, and exits 3', async () => {
    const result = await cli(config, 'create');
    expect(result.exitCode, result.stderr).toBe(3);
    const byTenant = Object.fromEntries(archivesOf(result).map((a) => [a.tenant, a]));
    expect(Object.keys(byTenant).sort()).toEqual(['', 'acme', 'globex']);
    expect(byTenant['']!.status).toBe('failed');
    expect(byTenant['']!.error).toMatch(/tenant "" of source app was not backed up: a tenant id cannot be empty/);
    for (const id of ['acme', 'globex']) {
      expect(byTenant[id]!.status, id).toBe('ok');
      expect(byTenant[id]!.rows, id).toBe(2);
    }
    // Only the two usable tenants have archives (archive + sidecar each).
    expect((await readdir(path.join(dir.dir, 'backups/app'))).sort()).toEqual(['acme', 'globex']);

    const human = await runCli(['-c', config, '--no-progress', 'create']);
    expect(human.exitCode, human.stderr).toBe(3);
    expect(human.stdout).toMatch(/failed\s+app\/""\s/);
    expect(human.stderr).toContain('a tenant id cannot be empty');
  });
});
