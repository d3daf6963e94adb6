/**
 * Outside references in rows mode: on the fixture with cross-tenant keys (every tenth user's
 * mentor is a user of the next organization), a tenant's archive records the other tenants' rows
 * its rows reference (and the rows those need: the mentor's organization and department), the
 * restore test and a --target restore into an empty schema copy load them without counting them
 * as the tenant's, and a live restore that lacks one names it and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createDb, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { scratchDatabasesOf, verifyJson } from '../helpers/restore.js';
import { archivesOf, cli, queryDigests, rowsConfig, saasTenantQueries, schemaOnlyCopy, seedSaasInto } from '../helpers/tenants.js';
import { tempDir } from '../helpers/tmp.js';

interface OutsideSidecar {
  tables: { name: string; rows: number }[];
  entries: { name: string; sha256: string }[];
  details: { outside?: { tables: { table: string; rows: number; entry: string }[]; references: { table: string; foreignKey: string; references: string; rows: number }[] } };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('rows mode: references to other tenants', () => {
  let db: string;
  let dir: string;
  let config: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createDb('ob_outside');
    cleanups.push(() => dropDb(db));
    await seedSaasInto(db, { orgs: 3, crossTenant: true });
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    dir = tmp.dir;
    config = await rowsConfig(dir, db);
  });

  it('records the rows outside the tenant, read alone and in one pass, and says so at -v', async () => {
    const batch = await cli(config, 'create');
    expect(batch.exitCode, batch.stderr).toBe(0);
    for (const a of archivesOf(batch)) ids[`batch-${a.tenant}`] = a.id;
    const alone = await cli(config, '-v', 'create', '--tenant', '1');
    expect(alone.exitCode, alone.stderr).toBe(0);
    ids['alone-1'] = archivesOf(alone)[0]!.id;
    expect(alone.stderr).toMatch(/outside reference: public\.users\.users_mentor_id_fkey \(mentor_id\) -> \d+ row\(s\) of public\.users outside the tenant/);

    const [mentors] = await pgQuery<{ n: string }>(db, `SELECT count(DISTINCT mentor_id) AS n FROM users WHERE org_id = 1 AND mentor_id IS NOT NULL`);
    for (const key of ['batch-1', 'alone-1']) {
      const sidecar = JSON.parse(await readFile(`${dir}/backups/${ids[key]}.manifest.json`, 'utf8')) as OutsideSidecar;
      const outside = sidecar.details.outside!;
      expect(outside.references).toContainEqual({ table: 'public.users', foreignKey: 'users_mentor_id_fkey', columns: ['mentor_id'], references: 'public.users', rows: Number(mentors!.n) });
      // The mentor of org 2 needs org 2's row; its own mentor (if any) is in org 3.
      const stored = Object.fromEntries(outside.tables.map((t) => [t.table, t]));
      expect(stored['public.organizations']!.rows).toBeGreaterThanOrEqual(1);
      expect(sidecar.entries.map((e) => e.name)).toContain(stored['public.users']!.entry);
      // Shared rows the tenant's rows reference come along, parents before the rows needing them.
      expect(stored['public.countries']!.rows).toBe(1);
      const order = outside.tables.map((t) => t.table);
      expect(order.indexOf('public.organizations')).toBeLessThan(order.indexOf('public.users'));
      // Not the tenant's data: the tenant's row counts are its own rows only.
      const [own] = await pgQuery<{ n: string }>(db, `SELECT count(*) AS n FROM users WHERE org_id = 1`);
      expect(sidecar.tables.find((t) => t.name === 'public.users')!.rows).toBe(Number(own!.n));
    }
  });

  it('verify --restore-test passes level 3 for every tenant', async () => {
    const res = await cli(config, 'verify', '--all', '--restore-test');
    const items = verifyJson(res);
    expect(
      items.map((i) => [i.status, i.error ?? '']),
      res.stderr,
    ).toEqual(items.map(() => ['ok', '']));
    expect(items.length).toBe(4);
    expect(items.every((i) => i.levels.join() === '1,2,3')).toBe(true);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('restores into an empty schema copy with --target: the tenant exactly, plus the outside rows it needs', async () => {
    const copy = await schemaOnlyCopy(db);
    cleanups.push(() => dropDb(copy));
    const res = await cli(config, 'restore', ids['alone-1']!, '--target', pgUrl(copy), '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await queryDigests(copy, saasTenantQueries(1))).toEqual(await queryDigests(db, saasTenantQueries(1)));
    const mentors = await pgQuery<{ id: string; org_id: string }>(copy, `SELECT id, org_id FROM users WHERE org_id <> 1 ORDER BY id`);
    const expected = await pgQuery<{ id: string; org_id: string }>(db, `SELECT id, org_id FROM users WHERE id IN (SELECT mentor_id FROM users WHERE org_id = 1) ORDER BY id`);
    expect(mentors.slice(0, expected.length)).toEqual(expect.arrayContaining(expected));
    // A second restore into the same copy finds the outside rows there and adds nothing.
    const again = await cli(config, 'restore', ids['alone-1']!, '--target', pgUrl(copy), '--yes');
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('each tenant gets the same outside rows read in one pass (all tenants at once) as read alone', async () => {
    const batch = await cli(config, 'create');
    expect(batch.exitCode, batch.stderr).toBe(0);
    for (const a of archivesOf(batch)) {
      const alone = await cli(config, 'create', '--tenant', a.tenant);
      expect(alone.exitCode, alone.stderr).toBe(0);
      const sidecar = async (id: string) => JSON.parse(await readFile(`${dir}/backups/${id}.manifest.json`, 'utf8')) as OutsideSidecar;
      const inBatch = await sidecar(a.id);
      const byItself = await sidecar(archivesOf(alone)[0]!.id);
      expect(inBatch.details.outside).toBeDefined();
      expect(inBatch.details.outside).toEqual(byItself.details.outside);
      const checksums = (s: OutsideSidecar) => s.entries.filter((e) => e.name.startsWith('outside/')).map((e) => [e.name, e.sha256]);
      expect(checksums(inBatch)).toEqual(checksums(byItself));
    }
  });

  it('a live restore whose outside row is gone names it and changes nothing', async () => {
    const [mentor] = await pgQuery<{ id: string }>(db, `SELECT min(mentor_id) AS id FROM users WHERE org_id = 1`);
    // The row goes behind the foreign keys' back (as a broken replica or a manual fix would leave it).
    await psql(db, { sql: `SET session_replication_role = replica; DELETE FROM users WHERE id = ${mentor!.id}; DELETE FROM users WHERE org_id = 1 AND id % 10 = 0;` });
    const before = await tableDigests(db);
    const res = await cli(config, 'restore', ids['alone-1']!, '--yes', '--no-safety-backup');
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.stderr).toMatch(
      /reference rows outside the tenant that the live database lacks: \d+ row\(s\) of public\.users through users_mentor_id_fkey \(mentor_id -> public\.users, e\.g\. \(\d+\)\); nothing was restored/,
    );
    expect(await tableDigests(db)).toEqual(before);
  });
});
