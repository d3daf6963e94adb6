/**
 * verify --restore-test of rows-mode archives does not depend on the order rows come back in:
 * on the project's fixture, after UPDATEs have moved rows so a table's physical order is not its
 * key order, archives of every tenant, read one by one and in one pass, pass level 3.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, psql } from '../helpers/pg.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, pgSource, scratchDatabasesOf, verifyJson } from '../helpers/restore.js';
import { seedSaasInto } from '../helpers/tenants.js';

const later = cleanupsAfterAll();

describe('verify --restore-test, rows mode, rows out of key order', () => {
  it('passes level 3 for every tenant after updates reorder the heap', async () => {
    const db = await createDb('rtorder');
    later(() => dropDb(db));
    await seedSaasInto(db, { orgs: 3 });
    // An updated row gets a new place at the end of the heap: scans now return it after its successors.
    await psql(db, { sql: `UPDATE issues SET status = status WHERE id % 3 = 0; UPDATE users SET role = role WHERE id % 2 = 0;` });
    const [order] = await pgQuery<{ reordered: boolean }>(db, 'SELECT array_agg(id ORDER BY ctid) <> array_agg(id ORDER BY id) AS reordered FROM issues WHERE org_id = 2');
    expect(order!.reordered).toBe(true);

    const dir = await workDir(later);
    const config = await configWith(dir, pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' }));
    // All three tenants in one pass (the spool), then one alone (a query per table).
    await createArchives(config, ['--source', 'app']);
    await createArchives(config, ['--source', 'app', '--tenant', '2']);

    const res = await runCli(['-c', config, '--json', 'verify', '--all', '--restore-test']);
    const items = verifyJson(res);
    expect(
      items.map((i) => [i.status, i.error ?? '']),
      res.stderr,
    ).toEqual(Array.from({ length: 4 }, () => ['ok', '']));
    expect(res.exitCode).toBe(0);
    expect(items.every((i) => i.levels.join() === '1,2,3')).toBe(true);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });
});
