/**
 * PostgreSQL preflight against the real server: an older pg_dump earlier on PATH, an unreachable
 * server, a role that may not read one table, one broken tenant among several, and a nearly full
 * storage filesystem (a real 2 MiB tmpfs). Fails give exit 4, the check id and the fix; a problem
 * of one tenant only is a warning and create backs up the others (exit 3).
 */
import { chmod, chown, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkById, ensureTestUser, failedIds, isRoot, openTempDir, runCliAs, TEST_GID, TEST_UID } from '../helpers/as-user.js';
import { createDb, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { uniqueName, writeConfig } from '../helpers/tmp.js';

const PG_MAJOR = 15;

describe.skipIf(!isRoot)('preflight: PostgreSQL sources (needs root to run as uid 1001; skipped otherwise)', () => {
  let base: { dir: string; cleanup(): Promise<void> };
  let db: string;
  let fakeBin: string;

  beforeAll(async () => {
    await ensureTestUser();
    base = await openTempDir();
    db = await createDb('obpf');
    await pgQuery(db, 'CREATE TABLE orders (id int PRIMARY KEY, total int); CREATE TABLE secrets (id int, v text); INSERT INTO orders VALUES (1, 10)');
    fakeBin = path.join(base.dir, 'fake-bin');
    await mkdir(fakeBin, { mode: 0o755 });
    await writeFile(path.join(fakeBin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 11.0"\n', { mode: 0o755 });
  });
  afterAll(async () => {
    await dropDb(db);
    await base.cleanup();
  });

  async function setup(name: string, source: Record<string, unknown>, storagePath?: string): Promise<{ config: string; storage: string }> {
    const storage = storagePath ?? path.join(base.dir, `${name}-backups`);
    await mkdir(storage, { recursive: true, mode: 0o700 });
    const config = await writeConfig(base.dir, { version: 1, sources: { app: { type: 'postgres', ...source } }, storage: { local: { type: 'local', path: storage } } }, `${name}.json`);
    await chmod(config, 0o644);
    return { config, storage };
  }

  it('passes a healthy setup as uid 1001 with exit 0', async () => {
    const { config, storage } = await setup('healthy', { url: pgUrl(db) });
    await chown(storage, TEST_UID, TEST_GID);
    const res = await runCliAs(['-c', config, 'preflight', '--json'], { uid: TEST_UID });
    expect(res.exitCode, res.stdout).toBe(0);
    expect(failedIds(res.json)).toEqual([]);
    expect(checkById(res.json, 'source.app.connect')?.message).toContain(`PostgreSQL ${PG_MAJOR}.`);
    expect(checkById(res.json, 'source.app.privileges')?.status).toBe('pass');
    expect(await readdir(storage)).toEqual([]);
  });

  it('fails an older pg_dump earlier on PATH when no newer one is installed, naming where to get one', async () => {
    const { config, storage } = await setup('old-pgdump', { url: pgUrl(db) });
    const env = { PATH: `${fakeBin}:${process.env.PATH ?? ''}` };
    const res = await runCliAs(['-c', config, 'preflight', '--json'], { env, hidePgLibDir: true });
    expect(res.exitCode, res.stderr).toBe(4);
    expect(failedIds(res.json)).toEqual(['source.app.tool.pg_dump']);
    const check = checkById(res.json, 'source.app.tool.pg_dump');
    expect(check?.message).toContain('pg_dump (PostgreSQL) 11.0');
    expect(check?.message).toContain(`older than the server (major ${PG_MAJOR})`);
    expect(check?.hint).toContain(`apt-get install postgresql-client-${PG_MAJOR}`);
    expect(check?.hint).toContain(`/usr/lib/postgresql/${PG_MAJOR}/bin`);
    expect(await readdir(storage)).toEqual([]);
  });

  it('picks the newest installed pg_dump over an older one on PATH and says so with -v', async () => {
    const { config } = await setup('picks-newest', { url: pgUrl(db) });
    const env = { PATH: `${fakeBin}:${process.env.PATH ?? ''}` };
    const res = await runCliAs(['-c', config, '-v', 'preflight', '--source', 'app'], { env });
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.stderr).toContain(`pg_dump is /usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump (newest installed major ${PG_MAJOR} >= server major ${PG_MAJOR}`);
    expect(res.stdout).toMatch(new RegExp(`✓ source\\.app\\.tool\\.pg_dump .*/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump`));
  });

  it('fails a configured older pg_dump and points at the newer one installed', async () => {
    const { config } = await setup('configured-old', { url: pgUrl(db), tools: { pg_dump: path.join(fakeBin, 'pg_dump') } });
    const res = await runCliAs(['-c', config, 'preflight', '--json']);
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['source.app.tool.pg_dump']);
    expect(checkById(res.json, 'source.app.tool.pg_dump')?.hint).toContain(`set tools.pg_dump to it`);
    expect(checkById(res.json, 'source.app.tool.pg_dump')?.hint).toContain(`/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump`);
  });

  it('fails an unreachable server (a closed port)', async () => {
    const port = await closedPort();
    const { config, storage } = await setup('unreachable', { url: `postgres://postgres@127.0.0.1:${port}/${db}` });
    const res = await runCliAs(['-c', config, 'preflight', '--json']);
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['source.app.connect']);
    const check = checkById(res.json, 'source.app.connect');
    expect(check?.message).toContain(`127.0.0.1:${port} (ECONNREFUSED)`);
    expect(check?.hint).toContain('is the server running');
    expect(await readdir(storage)).toEqual([]);
  });

  it('checks pg_restore and psql for restore, without dump privileges or space', async () => {
    const { config } = await setup('for-restore', { url: pgUrl(db) });
    const res = await runCliAs(['-c', config, 'preflight', '--for', 'restore', '--json']);
    expect(res.exitCode, res.stdout).toBe(0);
    expect(res.json.for).toBe('restore');
    const ids = (res.json.checks as { id: string }[]).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['source.app.tool.pg_restore', 'source.app.tool.psql', 'storage.local.write']));
    expect(ids).not.toContain('source.app.tool.pg_dump');
    expect(ids).not.toContain('source.app.privileges');
    expect(ids).not.toContain('storage.local.space');
  });

  it('keeps the password of the source URL out of the report', async () => {
    const port = await closedPort();
    const { config } = await setup('secret', { url: `postgres://postgres:Sup3rSecretPw@127.0.0.1:${port}/${db}` });
    const res = await runCliAs(['-c', config, 'preflight', '--json']);
    expect(res.exitCode).toBe(4);
    expect(failedIds(res.json)).toEqual(['source.app.connect']);
    expect(res.stdout + res.stderr).not.toContain('Sup3rSecretPw');
  });

  it('fails a role that may not read one table, and its GRANT hint fixes it', async () => {
    const role = uniqueName('obpf_role');
    await pgQuery('postgres', `CREATE ROLE ${role} LOGIN`);
    try {
      await pgQuery(db, `GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON orders TO ${role}`);
      const { config, storage } = await setup('no-select', { url: pgUrl(db, role) });
      const res = await runCliAs(['-c', config, 'preflight', '--json']);
      expect(res.exitCode).toBe(4);
      expect(failedIds(res.json)).toEqual(['source.app.privileges']);
      const check = checkById(res.json, 'source.app.privileges');
      expect(check?.message).toContain('public.secrets');
      expect(check?.message).not.toContain('public.orders');
      const grant = `GRANT SELECT ON "public"."secrets" TO "${role}";`;
      expect(check?.hint).toContain(grant);
      expect(await readdir(storage)).toEqual([]);

      await pgQuery(db, grant);
      const fixed = await runCliAs(['-c', config, 'preflight', '--json']);
      expect(fixed.exitCode, fixed.stdout).toBe(0);
    } finally {
      await pgQuery(db, `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}`);
      await pgQuery('postgres', `DROP ROLE ${role}`);
    }
  });

  it('warns about tenant databases the role may not read or enter, and create backs up the others (exit 3)', async () => {
    const role = uniqueName('obpf_role');
    const prefix = uniqueName('obpft');
    const good = `${prefix}_good`;
    const bad = `${prefix}_bad`;
    const closed = `${prefix}_closed`;
    await pgQuery('postgres', `CREATE ROLE ${role} LOGIN`);
    for (const name of [good, bad, closed]) await pgQuery('postgres', `CREATE DATABASE ${name}`);
    try {
      await pgQuery('postgres', `REVOKE CONNECT ON DATABASE ${closed} FROM PUBLIC`);
      await pgQuery(good, `CREATE TABLE t (id int); GRANT SELECT ON t TO ${role}`);
      await pgQuery(bad, `CREATE TABLE t (id int); CREATE TABLE hidden (id int); GRANT SELECT ON t TO ${role}`);
      const { config, storage } = await setup('tenant-warn', { url: pgUrl('postgres', role), tenants: { mode: 'database', match: `${prefix}_%` } });
      const res = await runCliAs(['-c', config, 'preflight', '--json']);
      expect(res.exitCode, res.stdout).toBe(0);
      const warning = checkById(res.json, `tenant.app/${bad}.privileges`);
      expect(warning?.status).toBe('warn');
      expect(warning?.hint).toContain(`GRANT SELECT ON "public"."hidden" TO "${role}";`);
      const unreachable = checkById(res.json, `tenant.app/${closed}.connect`);
      expect(unreachable?.status).toBe('warn');
      expect(unreachable?.message).toContain('permission denied for database');
      expect(checkById(res.json, 'source.app.privileges')?.message).toContain('1 of 3 tenant(s)');

      const created = await runCliAs(['-c', config, 'create', '--json']);
      expect(created.exitCode, created.stderr).toBe(3);
      const statuses = Object.fromEntries((created.json.archives as { tenant: string; status: string }[]).map((a) => [a.tenant, a.status]));
      expect(statuses).toEqual({ [good]: 'ok', [bad]: 'failed', [closed]: 'failed' });
      const stored = (await readdir(path.join(storage, 'app'), { recursive: true })).filter((f) => f.endsWith('.zip') || f.endsWith('.manifest.json'));
      expect(stored).toHaveLength(2);
      expect(stored.filter((f) => !f.startsWith(`${good}/`))).toEqual([]);
    } finally {
      for (const name of [good, bad, closed]) await dropDb(name);
      await pgQuery('postgres', `DROP ROLE ${role}`);
    }
  });

  it('trusts a superuser with every tenant database instead of visiting each one', async () => {
    const prefix = uniqueName('obpfsu');
    const names = [`${prefix}_a`, `${prefix}_b`];
    for (const name of names) await pgQuery('postgres', `CREATE DATABASE ${name}`);
    try {
      const { config } = await setup('superuser', { url: pgUrl('postgres'), tenants: { mode: 'database', match: `${prefix}_%` } });
      const res = await runCliAs(['-c', config, 'preflight', '--json']);
      expect(res.exitCode, res.stdout).toBe(0);
      expect(checkById(res.json, 'source.app.privileges')?.message).toBe('postgres is a superuser: may read every table and sequence of the 2 tenant database(s)');
    } finally {
      for (const name of names) await dropDb(name);
    }
  });

  it('warns about the one tenant schema the role may not read (schema mode)', async () => {
    const role = uniqueName('obpf_role');
    const schemaDb = await createDb('obpf_schema');
    await pgQuery('postgres', `CREATE ROLE ${role} LOGIN`);
    try {
      await pgQuery(
        schemaDb,
        `CREATE SCHEMA t_open; CREATE TABLE t_open.a (id int); CREATE SCHEMA t_shut; CREATE TABLE t_shut.a (id int); CREATE TABLE t_shut.b (id int)
        ; GRANT USAGE ON SCHEMA t_open, t_shut TO ${role}; GRANT SELECT ON t_open.a, t_shut.a TO ${role}`,
      );
      const { config } = await setup('schema-warn', { url: pgUrl(schemaDb, role), tenants: { mode: 'schema', match: 't\\_%' } });
      const res = await runCliAs(['-c', config, 'preflight', '--json']);
      expect(res.exitCode, res.stdout).toBe(0);
      const warnings = (res.json.checks as { id: string; status: string; hint?: string }[]).filter((c) => c.status === 'warn' && c.id.startsWith('tenant.'));
      expect(warnings.map((w) => w.id)).toEqual(['tenant.app/t_shut.privileges']);
      expect(warnings[0]?.hint).toContain(`GRANT SELECT ON "t_shut"."b" TO "${role}";`);
      expect(checkById(res.json, 'source.app.privileges')?.message).toContain('1 of 2 tenant(s)');
    } finally {
      await dropDb(schemaDb);
      await pgQuery('postgres', `DROP ROLE ${role}`);
    }
  });

  it('fails a nearly full storage filesystem against the size of the newest archive', async () => {
    const dataDb = await createDb('obpf_big');
    const volume = path.join(base.dir, 'small-volume');
    await mkdir(volume, { mode: 0o700 });
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', volume]);
    try {
      // Random bytes do not compress: the archive is a few hundred KiB.
      await pgQuery(dataDb, `CREATE TABLE blob AS SELECT g AS id, decode(md5(random()::text) || md5(random()::text), 'hex') AS b FROM generate_series(1, 12000) g`);
      const { config } = await setup('full', { url: pgUrl(dataDb) }, volume);
      const first = await runCliAs(['-c', config, 'create', '--json']);
      expect(first.exitCode, first.stderr).toBe(0);
      const archiveSize = first.json.archives[0].size as number;
      expect(archiveSize).toBeGreaterThan(200 * 1024);
      // Fill the volume until less than the archive's size is free.
      const free = (await execa('df', ['--output=avail', '-B1', volume])).stdout.split('\n')[1]!.trim();
      await writeFile(path.join(volume, 'filler'), Buffer.alloc(Number(free) - 64 * 1024));
      const before = await readdir(volume, { recursive: true });

      const res = await runCliAs(['-c', config, 'preflight', '--json']);
      expect(res.exitCode).toBe(4);
      expect(failedIds(res.json)).toEqual(['storage.local.space']);
      const check = checkById(res.json, 'storage.local.space');
      expect(check?.message).toContain('newest archives of 1 tenant(s)');
      expect(check?.hint).toContain('orgbackup prune');
      const gated = await runCliAs(['-c', config, 'create']);
      expect(gated.exitCode).toBe(4);
      expect(await readdir(volume, { recursive: true })).toEqual(before);
      expect((await stat(path.join(volume, 'filler'))).size).toBeGreaterThan(0);
    } finally {
      await execa('umount', [volume]);
      await dropDb(dataDb);
    }
  });
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
