/** verify --restore-test (level 3) for SQLite archives: restored into a throwaway file, counted, removed. */
import { execa } from 'execa';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, verifyJson, failsRestoreTestOnly } from '../helpers/restore.js';

const later = cleanupsAfterAll();

describe('verify --restore-test, SQLite', () => {
  it('passes, catches a doctored manifest at level 3, and removes its scratch file', async () => {
    const dir = await workDir(later);
    const file = path.join(dir, 'app.sqlite');
    await execa('sqlite3', [file], {
      input: `CREATE TABLE orgs (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE users (id INTEGER PRIMARY KEY, org_id INTEGER REFERENCES orgs, email TEXT);
              WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 25) INSERT INTO users (org_id, email) SELECT 1, 'u' || n FROM g;
              INSERT INTO orgs VALUES (1, 'acme');`,
    });
    const scratch = path.join(dir, 'scratch');
    await mkdir(scratch);
    const config = await configWith(dir, { type: 'sqlite', path: file });
    const [id] = await createArchives(config);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test', '--scratch', scratch]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(verifyJson(res)[0]).toMatchObject({ levels: [1, 2, 3], restoreTest: { tables: 2, rows: 26, problems: [] } });

    const doctored = await doctorArchive(`${dir}/backups`, id!, (manifest) => {
      manifest.tables = manifest.tables.map((t) => (t.name === 'users' ? { ...t, rows: 24 } : t));
    });
    const item = await failsRestoreTestOnly(config, doctored, ['--scratch', scratch], { plainVerify: false });
    expect(item.error).toContain('users: 24 rows in the manifest, 25 restored');
    expect(await readdir(scratch)).toEqual([]);
  });
});
