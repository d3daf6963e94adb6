/** The SQLite engine against the source conformance suite: one database file per tenant (mode directory). */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sqlite, sqliteDigests } from '../../helpers/sqlite.js';
import { tempDir } from '../../helpers/tmp.js';
import { sourceConformance } from './suite.js';

sourceConformance({
  engine: 'sqlite',
  dumpTool: { keys: ['sqlite3'], real: 'sqlite3' },
  async make() {
    const tmp = await tempDir();
    const dir = path.join(tmp.dir, 'tenants');
    const scratch = path.join(tmp.dir, 'scratch');
    await mkdir(dir);
    await mkdir(scratch);
    const file = (tenant: string) => path.join(dir, `${tenant}.db`);
    for (const [tenant, rows] of [
      ['acme', 3],
      ['globex', 2],
    ] as const) {
      const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, '${tenant} note ${i + 1}')`).join(', ');
      await sqlite(file(tenant), `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes VALUES ${values}; CREATE TABLE tags (name TEXT); INSERT INTO tags VALUES ('x');`);
    }
    return {
      source: { type: 'sqlite', path: dir, tenants: { mode: 'directory', match: '*.db' } },
      tenants: ['acme', 'globex'],
      scratch,
      counts: async (tenant) => (tenant === 'acme' ? { notes: 3, tags: 1 } : { notes: 2, tags: 1 }),
      restoreTestCounts: (tenant) => ({ tables: 2, rows: tenant === 'acme' ? 4 : 3 }),
      digest: async (tenant) => JSON.stringify(await sqliteDigests(file(tenant))),
      damage: async (tenant) => void (await sqlite(file(tenant), "DELETE FROM notes WHERE id = 1; INSERT INTO tags VALUES ('y');")),
      cleanup: () => tmp.cleanup(),
    };
  },
});
