/** verify --restore-test (level 3) for SQLite archives: restored into a throwaway file, counted, removed. */
import { execa } from 'execa';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { configWith, createArchives, verifyJson } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('verify --restore-test, SQLite', () => {
  it('passes, catches a doctored manifest at level 3, and removes its scratch file', async () => {
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const file = path.join(tmp.dir, 'app.sqlite');
    await execa('sqlite3', [file], {
      input: `CREATE TABLE orgs (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE users (id INTEGER PRIMARY KEY, org_id INTEGER REFERENCES orgs, email TEXT);
              WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 25) INSERT INTO users (org_id, email) SELECT 1, 'u' || n FROM g;
              INSERT INTO orgs VALUES (1, 'acme');`,
    });
    const scratch = path.join(tmp.dir, 'scratch');
    await mkdir(scratch);
    const config = await configWith(tmp.dir, { type: 'sqlite', path: file });
    const [id] = await createArchives(config);

    const res = await runCli(['-c', config, '--json', 'verify', id!, '--restore-test', '--scratch', scratch]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(verifyJson(res)[0]).toMatchObject({ levels: [1, 2, 3], restoreTest: { tables: 2, rows: 26, problems: [] } });

    const doctored = await doctorArchive(`${tmp.dir}/backups`, id!, (manifest) => {
      manifest.tables = manifest.tables.map((t) => (t.name === 'users' ? { ...t, rows: 24 } : t));
    });
    const bad = await runCli(['-c', config, '--json', 'verify', doctored, '--restore-test', '--scratch', scratch]);
    expect(bad.exitCode).toBe(5);
    const [item] = verifyJson(bad);
    expect(item).toMatchObject({ status: 'failed', failedLevel: 3, levels: [1, 2] });
    expect(item!.error).toContain('users: 24 rows in the manifest, 25 restored');
    expect(await readdir(scratch)).toEqual([]);
  });
});
