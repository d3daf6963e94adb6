/**
 * Hostile tenant ids and names through the built binary: an id that cannot name an archive (empty)
 * fails that tenant alone, the others are backed up and reported (exit 3); control characters in
 * ids and names never reach the terminal raw in human output, and JSON keeps them exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createDb, dropDb, pgQuery, pgUrl, PG_HOST, PG_PORT } from '../helpers/pg.js';
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
      sources: {
        app: { type: 'postgres', url: `postgres://postgres@${PG_HOST}:${PG_PORT}/${db}`, tenants: { mode: 'rows', column: 'tenant', query: 'SELECT DISTINCT tenant AS id FROM docs ORDER BY 1' } },
      },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  });

  afterAll(async () => {
    await dropDb(db);
    await dir.cleanup();
  });

  it('ids too long for one path component are keyed by a prefix and a hash: stored, listed, restored, verified and pruned by their real id', async () => {
    const longX = 'x'.repeat(300);
    const longCjk = '漢'.repeat(29);
    for (const id of [longX, longCjk]) await pgQuery(db, `INSERT INTO docs (tenant, body) SELECT $1, 'long ' || g FROM generate_series(1, 3) g`, [id]);
    const backups = `${dir.dir}/long-backups`;
    const long = await writeConfig(
      dir.dir,
      {
        version: 1,
        sources: {
          app: {
            type: 'postgres',
            url: `postgres://postgres@${PG_HOST}:${PG_PORT}/${db}`,
            tenants: {
              mode: 'rows',
              column: 'tenant',
              query: `SELECT 'acme' AS id UNION ALL SELECT repeat('x', 300) UNION ALL SELECT repeat('漢', 29) UNION ALL SELECT repeat('y', 255) UNION ALL SELECT repeat('漢', 28)`,
            },
          },
        },
        storage: { local: { type: 'local', path: backups } },
        retention: { keepLast: 1 },
      },
      'long.config.json',
    );
    try {
      for (let run = 0; run < 2; run++) {
        const result = await cli(long, 'create');
        expect(result.exitCode, result.stderr).toBe(0);
        const byTenant = Object.fromEntries(archivesOf(result).map((a) => [a.tenant, a]));
        for (const id of ['acme', 'y'.repeat(255), '漢'.repeat(28), longX, longCjk]) expect(byTenant[id]!.status, id.slice(0, 10)).toBe('ok');
        expect(byTenant[longX]!.rows).toBe(3);
        expect(result.stderr).not.toContain('ENAMETOOLONG');
      }
      // Every tenant directory fits NAME_MAX; the long ones are hashed, the others kept as before.
      const dirs = await readdir(path.join(backups, 'app'));
      for (const name of dirs) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      expect(dirs.filter((d) => d.includes('~'))).toHaveLength(2);
      expect(dirs).toContain('y'.repeat(255));

      const listed = (await runCli(['-c', long, '--json', 'list', '--source', 'app', '--tenant', longX])).json.archives as { tenant: string; id: string }[];
      expect(listed).toHaveLength(2);
      expect(listed.every((a) => a.tenant === longX && a.id.includes('~'))).toBe(true);
      const all = (await runCli(['-c', long, '--json', 'list'])).json.archives as { tenant: string }[];
      expect(new Set(all.map((a) => a.tenant))).toEqual(new Set(['acme', 'y'.repeat(255), '漢'.repeat(28), longX, longCjk]));

      await pgQuery(db, `DELETE FROM docs WHERE tenant = ANY($1)`, [[longX, longCjk]]);
      for (const id of [longX, longCjk]) {
        const restored = await runCli(['-c', long, '--json', 'restore', 'latest', '--source', 'app', '--tenant', id, '--yes']);
        expect(restored.exitCode, restored.stderr).toBe(0);
        const rows = await pgQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM docs WHERE tenant = $1`, [id]);
        expect(rows[0]!.n).toBe(3);
      }
      const verified = await runCli(['-c', long, 'verify', '--source', 'app', '--tenant', longCjk]);
      expect(verified.exitCode, verified.stderr + verified.stdout).toBe(0);

      // Prune keeps the newest of each tenant (keepLast 1) and knows the long ones are tenants.
      const pruned = await runCli(['-c', long, '--json', 'prune']);
      expect(pruned.exitCode, pruned.stderr).toBe(0);
      expect(pruned.json.orphans).toEqual([]);
      const left = (await runCli(['-c', long, '--json', 'list'])).json.archives as { tenant: string }[];
      expect(left.filter((a) => a.tenant === longX)).toHaveLength(1);
    } finally {
      await pgQuery(db, `DELETE FROM docs WHERE tenant = ANY($1)`, [[longX, longCjk]]);
    }
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

describe('control characters in tenant ids and names', () => {
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  let db: string;
  const evilId = 'evil\x1b]0;pwned\x07';
  const evilName = 'Red \x1b[31mInc\x1b[0m\nforged row\u009b2J';

  beforeAll(async () => {
    dir = await tempDir();
    // Dry runs only: discovery, and the rows plan of one tenant table.
    db = await createDb('obctl');
    await pgQuery(db, 'CREATE TABLE notes (id int PRIMARY KEY, tenant text NOT NULL)');
    const query = `SELECT * FROM (VALUES ('plain', 'Plain Ltd'), ('evil' || chr(27) || ']0;pwned' || chr(7), 'Red ' || chr(27) || '[31mInc' || chr(27) || '[0m' || chr(10) || 'forged row' || chr(155) || '2J')) t(id, name)`;
    config = await writeConfig(dir.dir, {
      version: 1,
      sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'tenant', query } } },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  });

  afterAll(async () => {
    await dir.cleanup();
    await dropDb(db);
  });

  it('create --dry-run --no-color to a pipe shows them escaped; --json keeps them exact', async () => {
    const human = await runCli(['-c', config, '--no-color', '--no-progress', 'create', '--dry-run']);
    expect(human.exitCode, human.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(human.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(human.stdout).toContain('evil\\x1b]0;pwned\\x07');
    expect(human.stdout).toContain('Red \\x1b[31mInc\\x1b[0m\\nforged row\\x9b2J');
    // Header line, table header and two tenants (then the rows plan): the newline in the name forged no row.
    expect(human.stdout.trim().split('\n\n')[0]!.split('\n')).toHaveLength(4);

    const json = await cli(config, 'create', '--dry-run');
    expect(json.exitCode, json.stderr).toBe(0);
    const planned = json.json.planned as { tenant: string; tenantName: string }[];
    expect(planned.find((p) => p.tenant !== 'plain')).toMatchObject({ tenant: evilId, tenantName: evilName });
  });

  it('an error naming such an id (on stderr) shows it escaped', async () => {
    const res = await runCli(['-c', config, '--no-color', 'create', '--dry-run', '--source', 'app', '--tenant', `${evilId}x`]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('unknown tenant "evil\\x1b]0;pwned\\x07x"');
    // eslint-disable-next-line no-control-regex
    expect(res.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});
