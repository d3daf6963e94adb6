/**
 * Multi-tenant fan-out through the built binary: database mode over several databases (match,
 * exclude, --jobs), --tenant selection, partial and total failure exit codes, and tenant ids that
 * try to escape the storage prefix or reach a shell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { dropDb, pgQuery, pgUrl, PG_HOST, PG_PORT, tableDigests } from '../helpers/pg.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { archivesOf, cli, firstArchiveId } from '../helpers/tenants.js';

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(root, path.join(entry.parentPath, entry.name)));
  }
  return out;
}

describe('database mode fan-out', () => {
  const prefix = uniqueName('obt');
  const names = ['a', 'b', 'c', 'skip'].map((s) => `${prefix}_${s}`);
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  const role = uniqueName('ob_reader');

  beforeAll(async () => {
    dir = await tempDir();
    for (const [i, name] of names.entries()) {
      await pgQuery('postgres', `CREATE DATABASE "${name}"`);
      await pgQuery(name, `CREATE TABLE items (id serial PRIMARY KEY, v text); INSERT INTO items (v) SELECT 'v' || g FROM generate_series(1, ${10 * (i + 1)}) g`);
    }
    await pgQuery('postgres', `CREATE ROLE "${role}" LOGIN; GRANT pg_read_all_data TO "${role}"`);
    const source = (user: string) => ({ type: 'postgres', url: pgUrl('postgres', user), tenants: { mode: 'database', match: `${prefix}\\_%`, exclude: [names[3]] } });
    config = await writeConfig(dir.dir, {
      version: 1,
      sources: { app: source('postgres'), limited: source(role) },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  });

  afterAll(async () => {
    for (const name of names) await dropDb(name);
    await pgQuery('postgres', `DROP ROLE IF EXISTS "${role}"`);
    await dir.cleanup();
  });

  it('backs up each matching database but the excluded one, in parallel, one archive each', async () => {
    const result = await cli(config, 'create', '--source', 'app', '--jobs', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    const archives = archivesOf(result);
    expect(archives.map((a) => a.tenant).sort()).toEqual(names.slice(0, 3));
    expect(archives.map((a) => a.rows).sort((x, y) => x - y)).toEqual([10, 20, 30]);
    for (const a of archives) expect(a.size).toBeGreaterThan(0);
    const events = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event?: string; tenant?: string })
      .filter((e) => e.event === 'archive');
    expect(events.map((e) => e.tenant).sort()).toEqual(names.slice(0, 3));
  });

  it('restores one database after it changed (a small database: pg_dump compresses, no zstd process)', async () => {
    const created = await cli(config, 'create', '--source', 'app', '--tenant', names[1]!);
    expect(created.exitCode, created.stderr).toBe(0);
    const sidecar = JSON.parse(await readFile(path.join(dir.dir, 'backups', `${firstArchiveId(created)}.manifest.json`), 'utf8')) as {
      compression: string;
      entries: { name: string }[];
      dump: { args: string[] };
    };
    expect(sidecar.entries.map((e) => e.name)).toEqual(['db.pgdump']);
    expect(sidecar.compression).toBe('pg_dump');
    expect(sidecar.dump.args).toContain('--compress=6');
    const before = await tableDigests(names[1]!);
    await pgQuery(names[1]!, `DELETE FROM items WHERE id > 5`);
    const restored = await cli(config, 'restore', firstArchiveId(created), '--yes', '--no-safety-backup');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await tableDigests(names[1]!)).toEqual(before);
  });

  it('--tenant with an unknown id is a usage error naming it', async () => {
    const result = await cli(config, 'create', '--source', 'app', '--tenant', 'no-such-tenant');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no-such-tenant');
  });

  it('one tenant failing exits 3 and keeps the others; all failing exits 1', async () => {
    await pgQuery('postgres', `REVOKE CONNECT ON DATABASE "${names[0]}" FROM PUBLIC`);
    try {
      const partial = await cli(config, 'create', '--source', 'limited');
      expect(partial.exitCode, partial.stderr).toBe(3);
      const byTenant = Object.fromEntries(archivesOf(partial).map((a) => [a.tenant, a]));
      expect(byTenant[names[0]!]!.status).toBe('failed');
      expect(byTenant[names[0]!]!.error).toMatch(/permission denied|CONNECT/i);
      expect(byTenant[names[1]!]!.status).toBe('ok');
      expect(byTenant[names[2]!]!.status).toBe('ok');
      for (const name of names.slice(1, 3)) await pgQuery('postgres', `REVOKE CONNECT ON DATABASE "${name}" FROM PUBLIC`);
      const total = await cli(config, 'create', '--source', 'limited');
      expect(total.exitCode, total.stderr).toBe(1);
      expect(archivesOf(total).every((a) => a.status === 'failed')).toBe(true);
    } finally {
      for (const name of names) await pgQuery('postgres', `GRANT CONNECT ON DATABASE "${name}" TO PUBLIC`);
    }
  });
});

describe('hostile tenant ids', () => {
  let db: string;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  const sentinel = path.join('/tmp', uniqueName('ob_pwned'));
  const ids = ['a/b', '..', '../../escape', '.hidden', 'x y', `q'uo"te`, 'ünïcødé', `$(touch ${sentinel})`, `; touch ${sentinel}`, '`id`', 'back\\slash', '%2F'];

  beforeAll(async () => {
    db = uniqueName('ob_ids');
    await pgQuery('postgres', `CREATE DATABASE "${db}"`);
    await pgQuery(db, `CREATE TABLE docs (id serial PRIMARY KEY, tenant text NOT NULL, body text NOT NULL)`);
    for (const id of ids) await pgQuery(db, `INSERT INTO docs (tenant, body) SELECT $1, 'doc ' || g FROM generate_series(1, 3) g`, [id]);
    dir = await tempDir();
    config = await writeConfig(dir.dir, {
      version: 1,
      sources: { app: { type: 'postgres', url: `postgres://postgres@${PG_HOST}:${PG_PORT}/${db}`, tenants: { mode: 'rows', column: 'tenant', query: 'SELECT DISTINCT tenant AS id FROM docs' } } },
      storage: { local: { type: 'local', path: `${dir.dir}/store/backups` } },
    });
  });

  afterAll(async () => {
    await dropDb(db);
    await dir.cleanup();
  });

  it('stay inside the storage prefix, never reach a shell, and restore by id', async () => {
    const result = await cli(config, 'create', '--jobs', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(
      archivesOf(result)
        .map((a) => a.tenant)
        .sort(),
    ).toEqual([...ids].sort());
    // All twelve were read in one pass (escaped literals in one statement): each got its own 3 rows.
    expect(archivesOf(result).map((a) => a.rows)).toEqual(ids.map(() => 3));
    expect(existsSync(sentinel)).toBe(false);
    // Nothing was written beside the storage directory, and every key is app/<encoded>/<file>.
    expect(await readdir(path.join(dir.dir, 'store'))).toEqual(['backups']);
    const files = await filesUnder(path.join(dir.dir, 'store/backups'));
    const archiveFiles = files.filter((f) => f.startsWith('app/'));
    expect(archiveFiles).toHaveLength(ids.length * 2);
    for (const file of archiveFiles) {
      const parts = file.split('/');
      expect(parts, file).toHaveLength(3);
      expect(parts[1], file).toMatch(/^(?!\.)[A-Za-z0-9._%-]+$/);
    }

    const listed = await cli(config, 'list', '--source', 'app');
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(new Set((listed.json.archives as { tenant: string }[]).map((a) => a.tenant))).toEqual(new Set(ids));

    for (const id of ids) {
      await pgQuery(db, `DELETE FROM docs WHERE tenant = $1`, [id]);
      const restored = await cli(config, 'restore', 'latest', '--source', 'app', '--tenant', id, '--yes', '--no-safety-backup');
      expect(restored.exitCode, `${id}: ${restored.stderr}`).toBe(0);
      const [row] = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM docs WHERE tenant = $1`, [id]);
      expect(Number(row!.n), id).toBe(3);
    }
    expect(existsSync(sentinel)).toBe(false);
  });
});
