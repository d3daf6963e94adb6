/**
 * verify --restore-test (level 3) for MySQL/MariaDB whole-database archives: restored into a
 * throwaway database on the server, counted per table, and dropped again. A doctored dump that
 * still inserts every row (so levels 1-2, which count the INSERTs, pass) but deletes one at the
 * end is caught by the restore test alone.
 */
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { createMysqlDb, dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { cleanupsAfterAll, mysqlOrgsUsers, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, failsRestoreTestOnly, verifyJson } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const later = cleanupsAfterAll();

async function fixture(): Promise<{ db: string; dir: string; config: string }> {
  const db = await mysqlOrgsUsers(later, 'rtmy');
  const dir = await workDir(later);
  return { db, dir, config: await configWith(dir, { type: 'mysql', url: mysqlUrl(db) }) };
}

async function scratchLeftovers(db: string): Promise<unknown[]> {
  return mysqlQuery(undefined, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ob\\_rt\\_%' AND SCHEMA_NAME LIKE ?`, [`%${db.toLowerCase().slice(0, 40)}`]);
}

describe('verify --restore-test, MySQL/MariaDB whole database', () => {
  it('passes, and drops its scratch database', async () => {
    const { db, config } = await fixture();
    await createArchives(config);
    const res = await runCli(['-c', config, '--json', 'verify', '--latest', '--restore-test']);
    expect(res.exitCode, res.stderr).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.levels).toEqual([1, 2, 3]);
    expect(item!.restoreTest).toMatchObject({ tables: 2, rows: 7, problems: [] });
    expect(await scratchLeftovers(db)).toEqual([]);
  });

  it('fails level 3 on a dump that deletes a row after inserting it, and drops the scratch database', async () => {
    const { db, dir, config } = await fixture();
    const [id] = await createArchives(config);
    const doctored = await doctorArchive(
      `${dir}/backups`,
      id!,
      () => undefined,
      (name, data) => {
        if (!name.startsWith('db.sql')) return data;
        const zstd = name.endsWith('.zst');
        const sql = zstd ? execaSync('zstd', ['-dcq'], { input: data, encoding: 'utf8' }).stdout : data.toString('utf8');
        const doctoredSql = `${sql}\nDELETE FROM \`users\` WHERE id = 5;\n`;
        return zstd ? Buffer.from(execaSync('zstd', ['-cq'], { input: doctoredSql, encoding: 'buffer' }).stdout) : Buffer.from(doctoredSql);
      },
    );
    const item = await failsRestoreTestOnly(config, doctored);
    expect(item.error).toContain('users: 5 rows in the manifest, 4 restored');
    expect(await scratchLeftovers(db)).toEqual([]);
  });

  it('restores a rows-mode tenant into a scratch database with the schema and shared rows, and counts it', async () => {
    const db = await createMysqlDb('rtmyrows');
    later(() => dropMysqlDb(db));
    await mysqlExec(
      db,
      `CREATE TABLE plans (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);
       CREATE TABLE organizations (id INT PRIMARY KEY, slug VARCHAR(20) NOT NULL, plan_id INT NOT NULL, FOREIGN KEY (plan_id) REFERENCES plans (id));
       CREATE TABLE projects (id INT AUTO_INCREMENT PRIMARY KEY, org_id INT NOT NULL, name VARCHAR(20), FOREIGN KEY (org_id) REFERENCES organizations (id));
       CREATE TABLE tasks (id INT AUTO_INCREMENT PRIMARY KEY, project_id INT NOT NULL, title VARCHAR(20), FOREIGN KEY (project_id) REFERENCES projects (id));
       INSERT INTO plans VALUES (1, 'free'), (2, 'pro');
       INSERT INTO organizations VALUES (1, 'acme', 1), (2, 'globex', 2);
       INSERT INTO projects (org_id, name) VALUES (1, 'a1'), (2, 'g1'), (2, 'g2');
       INSERT INTO tasks (project_id, title) VALUES (1, 't1'), (2, 't2'), (3, 't3'), (3, 't4');`,
    );
    const tmp = await tempDir();
    later(() => tmp.cleanup());
    const config = await configWith(tmp.dir, { type: 'mysql', url: mysqlUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' } });
    await createArchives(config, ['--source', 'app', '--tenant', '2']);
    const res = await runCli(['-c', config, '--json', 'verify', '--latest', '--restore-test']);
    expect(res.exitCode, res.stderr + res.stdout).toBe(0);
    const [item] = verifyJson(res);
    expect(item!.levels).toEqual([1, 2, 3]);
    // Tenant 2: its organization, 2 projects and their 3 tasks.
    expect(item!.restoreTest).toMatchObject({ tables: 3, rows: 6, problems: [] });
    expect(await scratchLeftovers(db)).toEqual([]);
  });
});
