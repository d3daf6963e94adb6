/**
 * A sidecar (or the manifest inside the archive) edited in the storage never steers a restore:
 * source and tenant come from the key, and verify and restore refuse with exit 5, before touching
 * anything, an archive whose sidecar or inner manifest names another tenant. Built binary, real
 * files and a real PostgreSQL server.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Sidecar } from '../../src/archive/manifest.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { createDb, dropDb, psql, tableDigests } from '../helpers/pg.js';
import { configWith, createArchives, pgSource, verifyJson } from '../helpers/restore.js';
import { snapshot, tempDir, uniqueName } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Edits the stored sidecar of `id` in place (its object is left as it is). */
async function editSidecar(backups: string, id: string, edit: (s: Sidecar) => void): Promise<void> {
  const file = path.join(backups, `${id}.manifest.json`);
  const sidecar = JSON.parse(await readFile(file, 'utf8')) as Sidecar;
  edit(sidecar);
  await writeFile(file, JSON.stringify(sidecar, null, 2) + '\n');
}

describe('doctored sidecars, files source', () => {
  it('a tenant of ../victim is refused by verify and restore, and the directory outside the root is untouched', async () => {
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const tenants = path.join(tmp.dir, 'tenants');
    await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
    const victim = path.join(tmp.dir, 'victim');
    await mkdir(victim);
    await writeFile(path.join(victim, 'precious.txt'), 'not a tenant');
    const config = await configWith(tmp.dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
    const backups = path.join(tmp.dir, 'backups');
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', 'acme']);
    // Consistently doctored: sidecar and inner manifest agree with each other, not with the key.
    const rebuilt = await doctorArchive(backups, id!, (m) => (m.tenant.id = '../victim'));
    // Only the inner manifest names ../victim; the sidecar was put back to agree with the key.
    const innerOnly = await doctorArchive(backups, rebuilt, (m) => (m.tenant.id = '../victim'));
    await editSidecar(backups, innerOnly, (s) => (s.tenant.id = 'acme'));
    await editSidecar(backups, id!, (s) => (s.tenant.id = '../victim'));
    await writeFile(path.join(tenants, 'acme', 'after-backup.txt'), 'kept');
    const acme = await snapshot(path.join(tenants, 'acme'));
    const outside = await snapshot(victim);

    for (const [doctored, level, message] of [
      [id!, 1, 'tenant "../victim" (the key says "acme")'],
      [rebuilt, 1, 'tenant "../victim" (the key says "acme")'],
      [innerOnly, 2, 'manifest.json inside the archive describes another archive: tenant "../victim" (its sidecar says "acme")'],
    ] as const) {
      const verified = await runCli(['-c', config, '--json', 'verify', doctored]);
      expect(verified.exitCode, verified.stderr).toBe(5);
      const [item] = verifyJson(verified);
      expect(item).toMatchObject({ id: doctored, status: 'failed', failedLevel: level });
      expect(item!.error).toContain(message);

      const restored = await runCli(['-c', config, '--json', 'restore', doctored, '--yes']);
      expect(restored.exitCode, restored.stderr).toBe(5);
      expect(restored.json.error.message).toContain(message);
      expect(restored.stderr).not.toMatch(/\n\s+at /);
      expect(await snapshot(victim)).toEqual(outside);
      expect(await snapshot(path.join(tenants, 'acme'))).toEqual(acme);
    }
    // No safety backup or other archive was written by the refused restores.
    // list --json reads each sidecar: a doctored one is listed from its key with a warning, and hides no other archive.
    const listed = await runCli(['-c', config, '--json', 'list']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stderr).toContain(`"msg":"${id!} in storage`);
    expect(listed.stderr).toContain('listed without its sidecar');
    const ids = listed.json.archives.map((a: { id: string }) => a.id).sort();
    expect(ids).toEqual([id!, rebuilt, innerOnly].sort());
  });
});

describe('doctored sidecars, PostgreSQL database mode', () => {
  it("a sidecar of tenant a naming tenant b is refused, and b's database is unchanged", async () => {
    const prefix = uniqueName('dsc');
    const [a, b] = [await createDb(`${prefix}_a`), await createDb(`${prefix}_b`)];
    cleanups.push(
      () => dropDb(a),
      () => dropDb(b),
    );
    for (const [db, rows] of [
      [a, 5],
      [b, 9],
    ] as const) {
      await psql(db, { sql: `CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, '${db} ' || g FROM generate_series(1, ${rows}) g;` });
    }
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, pgSource('postgres', { mode: 'database', match: `${prefix}%` }));
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', a]);
    await editSidecar(path.join(tmp.dir, 'backups'), id!, (s) => {
      s.tenant.id = b;
      s.source.database = b;
    });
    const [digestsA, digestsB] = [await tableDigests(a), await tableDigests(b)];

    const verified = await runCli(['-c', config, '--json', 'verify', id!]);
    expect(verified.exitCode, verified.stderr).toBe(5);
    expect(verifyJson(verified)[0]!.error).toContain(`tenant "${b}" (the key says "${a}")`);

    const restored = await runCli(['-c', config, '--json', 'restore', id!, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(5);
    expect(restored.json.error.message).toContain(`tenant "${b}" (the key says "${a}")`);
    expect(await tableDigests(b)).toEqual(digestsB);
    expect(await tableDigests(a)).toEqual(digestsA);
  });

  it('an archive rebuilt in tenant mode none is refused, and the configured database is not replaced', async () => {
    const prefix = uniqueName('dsm');
    // The source's own connection database: what a mode-none restore would replace.
    const [conn, a] = [await createDb(`${prefix}_conn`), await createDb(`${prefix}_a`)];
    cleanups.push(
      () => dropDb(conn),
      () => dropDb(a),
    );
    // The same schema as tenant a, so no schema difference stands in the way of the steering.
    await psql(conn, { sql: `CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'conn ' || g FROM generate_series(1, 3) g;` });
    await psql(a, { sql: `CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'a ' || g FROM generate_series(1, 5) g;` });
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const config = await configWith(tmp.dir, pgSource(conn, { mode: 'database', match: `${prefix}_a%` }));
    const [id] = await createArchives(config, ['--source', 'app', '--tenant', a]);
    // Sidecar and inner manifest agree (a consistent rebuild): only the mode check can refuse it.
    const rebuilt = await doctorArchive(path.join(tmp.dir, 'backups'), id!, (m) => (m.tenant.mode = 'none'));
    const [digestsConn, digestsA] = [await tableDigests(conn), await tableDigests(a)];

    const restored = await runCli(['-c', config, '--json', 'restore', rebuilt, '--yes']);
    expect(restored.exitCode, restored.stderr).toBe(5);
    expect(restored.json.error.message).toContain('was made in tenant mode "none", but source app is configured with mode "database"');
    expect(await tableDigests(conn)).toEqual(digestsConn);
    expect(await tableDigests(a)).toEqual(digestsA);
  });
});
