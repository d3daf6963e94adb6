/**
 * Rows mode on Pagila by store_id: customer, inventory and staff carry the column; rental and
 * payment (partitioned by month, with its foreign keys declared on the partitions) reach a store
 * through foreign keys; film, address and the other lookup tables are shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { dataset, DATASETS_SKIP_REASON, hasDatasets } from '../helpers/datasets.js';
import { createDb, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { archivesOf, cli, firstArchiveId, queryDigests, schemaOnlyCopy, type RowsSidecar } from '../helpers/tenants.js';
import { verifyJson } from '../helpers/restore.js';

const storeQueries = (store: number) => ({
  customer: `SELECT * FROM customer WHERE store_id = ${store}`,
  inventory: `SELECT * FROM inventory WHERE store_id = ${store}`,
  staff: `SELECT * FROM staff WHERE store_id = ${store}`,
  rental: `SELECT r.* FROM rental r JOIN customer c USING (customer_id) WHERE c.store_id = ${store}`,
  payment: `SELECT p.* FROM payment p JOIN customer c USING (customer_id) WHERE c.store_id = ${store}`,
});

describe.skipIf(!hasDatasets)(`rows mode on Pagila${hasDatasets ? '' : ` (skipped: ${DATASETS_SKIP_REASON})`}`, () => {
  let db: string;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;

  beforeAll(async () => {
    db = await createDb('ob_pagila');
    await psql(db, { file: dataset('pagila', 'pagila-schema.sql') });
    await psql(db, { file: dataset('pagila', 'pagila-data.sql') });
    dir = await tempDir();
    config = await writeConfig(dir.dir, {
      version: 1,
      sources: { pagila: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'store_id', query: 'SELECT store_id AS id FROM store' } } },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  });

  afterAll(async () => {
    if (db) await dropDb(db);
    await dir?.cleanup();
  });

  it('archives each store with its customers, inventory, staff, rentals and partitioned payments', async () => {
    const result = await cli(config, 'create', '--jobs', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(archivesOf(result)).toHaveLength(2);
    for (const archive of archivesOf(result)) {
      const sidecar = JSON.parse(await readFile(`${dir.dir}/backups/${archive.id}.manifest.json`, 'utf8')) as RowsSidecar;
      const counts = Object.fromEntries(sidecar.tables.map((t) => [t.name.replace('public.', ''), t.rows]));
      const expected = await queryDigests(db, storeQueries(Number(archive.tenant)));
      for (const [table, digest] of Object.entries(expected)) expect(`${counts[table]}`, table).toBe(digest.split(':')[0]);
      expect(counts.payment).toBeGreaterThan(1000);
      expect(sidecar.details.shared).toEqual(expect.arrayContaining(['public.film', 'public.address', 'public.language']));
      expect(sidecar.details.loadOrder.indexOf('public.payment')).toBeGreaterThan(sidecar.details.loadOrder.indexOf('public.rental'));
    }
  });

  it('passes the restore test for both stores although store-1 rentals use store-2 inventory', async () => {
    const [crossing] = await pgQuery<{ n: string }>(
      db,
      `SELECT count(DISTINCT i.inventory_id) AS n FROM rental r JOIN customer c USING (customer_id) JOIN inventory i USING (inventory_id) WHERE c.store_id = 1 AND i.store_id = 2`,
    );
    expect(Number(crossing!.n)).toBeGreaterThan(0);
    const created = await cli(config, 'create');
    expect(created.exitCode, created.stderr).toBe(0);
    const res = await cli(config, 'verify', ...archivesOf(created).map((a) => a.id), '--restore-test');
    const items = verifyJson(res);
    expect(
      items.map((i) => [i.status, i.levels.join(), i.error ?? '']),
      res.stderr,
    ).toEqual([
      ['ok', '1,2,3', ''],
      ['ok', '1,2,3', ''],
    ]);
    const sidecar = JSON.parse(await readFile(`${dir.dir}/backups/${archivesOf(created).find((a) => a.tenant === '1')!.id}.manifest.json`, 'utf8')) as {
      details: { outside: { references: { foreignKey: string; rows: number }[] } };
    };
    expect(sidecar.details.outside.references).toContainEqual(expect.objectContaining({ foreignKey: 'rental_inventory_id_fkey', rows: Number(crossing!.n) }));
  });

  it('restores store 1 with --target into an empty schema copy: the store exactly, with the lookups and inventory it references', async () => {
    const created = await cli(config, 'create', '--tenant', '1');
    expect(created.exitCode, created.stderr).toBe(0);
    const copy = await schemaOnlyCopy(db);
    try {
      const restored = await cli(config, 'restore', firstArchiveId(created), '--target', pgUrl(copy), '--yes');
      expect(restored.exitCode, restored.stderr).toBe(0);
      expect(await queryDigests(copy, storeQueries(1))).toEqual(await queryDigests(db, storeQueries(1)));
      // Only the rows store 1 references came along: a film no store-1 row touches is not there.
      const [films] = await pgQuery<{ copy: string }>(copy, 'SELECT count(*) AS copy FROM film');
      const [all] = await pgQuery<{ n: string }>(db, 'SELECT count(*) AS n FROM film');
      expect(Number(films!.copy)).toBeGreaterThan(0);
      expect(Number(films!.copy)).toBeLessThanOrEqual(Number(all!.n));
    } finally {
      await dropDb(copy);
    }
  });

  it('restores store 1 after payments and rentals were deleted and edited; store 2 is untouched', async () => {
    const created = await cli(config, 'create', '--tenant', '1');
    expect(created.exitCode, created.stderr).toBe(0);
    const before = await tableDigests(db);
    const store2 = await queryDigests(db, storeQueries(2));
    const victims = `SELECT r.rental_id FROM rental r JOIN customer c USING (customer_id) WHERE c.store_id = 1 AND r.rental_id % 50 = 0`;
    await pgQuery(db, `DELETE FROM payment WHERE rental_id IN (${victims})`);
    await pgQuery(db, `DELETE FROM rental WHERE rental_id IN (${victims})`);
    await pgQuery(db, `UPDATE payment SET amount = amount + 1 WHERE customer_id IN (SELECT customer_id FROM customer WHERE store_id = 1) AND payment_id % 7 = 0`);
    expect(await tableDigests(db)).not.toEqual(before);
    const restored = await cli(config, 'restore', firstArchiveId(created), '--yes', '--no-safety-backup');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(before);
    expect(await queryDigests(db, storeQueries(2))).toEqual(store2);
  });
});
