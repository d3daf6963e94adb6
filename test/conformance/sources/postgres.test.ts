/** The PostgreSQL engine against the source conformance suite: one schema per tenant (mode schema) on the dev server. */
import { createDb, createPasswordRole, dropDb, pgQuery, pgUrl, tableDigests } from '../../helpers/pg.js';
import { sourceConformance } from './suite.js';

const TENANTS = { t_acme: 3, t_globex: 2 };

sourceConformance({
  engine: 'postgres',
  dumpTool: { keys: ['pg_dump'], real: 'pg_dump' },
  async make() {
    const db = await createDb('ob_conf');
    for (const [tenant, rows] of Object.entries(TENANTS)) {
      await pgQuery(db, `CREATE SCHEMA ${tenant}; CREATE TABLE ${tenant}.notes (id int PRIMARY KEY, body text NOT NULL); CREATE TABLE ${tenant}.tags (name text)`);
      await pgQuery(db, `INSERT INTO ${tenant}.notes SELECT i, '${tenant} note ' || i FROM generate_series(1, ${rows}) i; INSERT INTO ${tenant}.tags VALUES ('x')`);
    }
    return {
      source: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'schema', match: 't\\_%' } },
      tenants: Object.keys(TENANTS),
      counts: async (tenant) => ({ [`${tenant}.notes`]: TENANTS[tenant as keyof typeof TENANTS], [`${tenant}.tags`]: 1 }),
      restoreTestCounts: (tenant) => ({ tables: 2, rows: TENANTS[tenant as keyof typeof TENANTS] + 1 }),
      digest: async (tenant) => JSON.stringify(await tableDigests(db, [tenant])),
      damage: async (tenant) => void (await pgQuery(db, `DELETE FROM ${tenant}.notes WHERE id = 1; INSERT INTO ${tenant}.tags VALUES ('y')`)),
      cleanup: () => dropDb(db),
    };
  },
  async badCredentials(source) {
    const secret = `conformance-${process.pid}-secret`;
    const role = await createPasswordRole(secret);
    const url = new URL(String(source.url));
    return { source: { ...source, url: pgUrl(url.pathname.slice(1), role.user), password: `${secret}-wrong` }, secret, cleanup: () => role.drop() };
  },
});
