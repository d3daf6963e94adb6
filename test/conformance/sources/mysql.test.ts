/** The MySQL/MariaDB engine against the source conformance suite: one database per tenant (mode database) on the dev server. */
import { createMysqlUser, mysqlDigests, mysqlQuery, mysqlUrl, dropMysqlDb } from '../../helpers/mysql.js';
import { uniqueName } from '../../helpers/tmp.js';
import { sourceConformance } from './suite.js';

sourceConformance({
  engine: 'mysql',
  dumpTool: { keys: ['mariadb-dump', 'mysqldump'], real: 'mariadb-dump' },
  async make() {
    const prefix = uniqueName('obc').toLowerCase();
    const rows: Record<string, number> = { [`${prefix}_acme`]: 3, [`${prefix}_globex`]: 2 };
    for (const [tenant, count] of Object.entries(rows)) {
      await mysqlQuery(undefined, `CREATE DATABASE \`${tenant}\``);
      await mysqlQuery(tenant, 'CREATE TABLE notes (id INT PRIMARY KEY, body TEXT NOT NULL)');
      await mysqlQuery(tenant, 'CREATE TABLE tags (name VARCHAR(20))');
      for (let i = 1; i <= count; i++) await mysqlQuery(tenant, 'INSERT INTO notes VALUES (?, ?)', [i, `${tenant} note ${i}`]);
      await mysqlQuery(tenant, "INSERT INTO tags VALUES ('x')");
    }
    return {
      source: { type: 'mysql', url: mysqlUrl(''), tenants: { mode: 'database', match: `${prefix.replace(/_/g, '\\_')}\\_%` } },
      tenants: Object.keys(rows),
      counts: async (tenant) => ({ notes: rows[tenant]!, tags: 1 }),
      restoreTestCounts: (tenant) => ({ tables: 2, rows: rows[tenant]! + 1 }),
      digest: async (tenant) => JSON.stringify(await mysqlDigests(tenant)),
      damage: async (tenant) => {
        await mysqlQuery(tenant, 'DELETE FROM notes WHERE id = 1');
        await mysqlQuery(tenant, "INSERT INTO tags VALUES ('y')");
      },
      cleanup: async () => {
        for (const tenant of Object.keys(rows)) await dropMysqlDb(tenant);
      },
    };
  },
  async badCredentials(source) {
    const secret = `conformance-${process.pid}-secret`;
    const user = await createMysqlUser(secret, []);
    return { source: { ...source, url: mysqlUrl('', user.user), password: `${secret}-wrong` }, secret, cleanup: () => user.drop() };
  },
});
