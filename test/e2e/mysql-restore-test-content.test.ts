/**
 * MySQL/MariaDB restore tests that compare contents, not only counts, through the built binary:
 * rows archives record an order-independent digest per table (read back from the scratch database
 * through the dump's own writer), the scratch database gets the archived default charset, and the
 * archive is restored a second time over the first copy, the path a restore in place takes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { dropMysqlDb, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { doctorArchive, packed, plainOf } from '../helpers/doctor-archive.js';

let work: { dir: string; cleanup(): Promise<void> };
const databases: string[] = [];
beforeEach(async () => {
  work = await tempDir('orgbackup-mysql-rtc-');
});
afterEach(async () => {
  for (const db of databases.splice(0)) await dropMysqlDb(db);
  await work.cleanup();
});

const SCHEMA = `
  CREATE TABLE organizations (id int PRIMARY KEY, name varchar(20) NOT NULL);
  CREATE TABLE items (id int PRIMARY KEY, org_id int NOT NULL, label varchar(20), price decimal(10,2) NOT NULL, FOREIGN KEY (org_id) REFERENCES organizations (id)) CHARACTER SET latin1 COLLATE latin1_bin;
  INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
  INSERT INTO items SELECT seq, 1 + seq % 2, CONCAT('caf', CHAR(233), seq), seq + 0.25 FROM seq_1_to_40;`;

async function fixture(mode: 'rows' | 'none'): Promise<{ db: string; config: string }> {
  const db = uniqueName('ob_rtc');
  await mysqlQuery(undefined, `CREATE DATABASE \`${db}\` CHARACTER SET latin1 COLLATE latin1_swedish_ci`);
  databases.push(db);
  await mysqlExec(db, SCHEMA);
  const tenants = mode === 'rows' ? { mode, column: 'org_id', query: 'SELECT id, name FROM organizations ORDER BY id' } : { mode };
  const config = await writeConfig(work.dir, {
    version: 1,
    sources: { app: { type: 'mysql', url: mysqlUrl(db), tenants } },
    storage: { local: { type: 'local', path: './backups' } },
  });
  return { db, config };
}

interface VerifyItem {
  error?: string;
  levels: number[];
  restoreTest?: { replaced?: boolean; rows: number };
}

async function backupAndTest(config: string, tenant: string[], before?: (id: string) => Promise<unknown>): Promise<{ item: VerifyItem; exitCode: number }> {
  const made = await runCli(['-c', config, '--json', 'create', '--source', 'app', ...tenant]);
  expect(made.exitCode, made.stderr).toBe(0);
  const original = (made.json.archives as { id: string }[])[0]!.id;
  // `before` may change the database, or doctor the archive and return the doctored copy's id.
  const doctored = await before?.(original);
  const id = typeof doctored === 'string' ? doctored : original;
  const res = await runCli(['-c', config, '--json', 'verify', id, '--restore-test']);
  return { item: (res.json as { archives: VerifyItem[] }).archives[0]!, exitCode: res.exitCode };
}

/** The manifest `details` of the only archive stored under ./backups. */
async function storedDetails(): Promise<Record<string, unknown>> {
  const root = path.join(work.dir, 'backups');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(await readFile(path.join(root, files[0]!), 'utf8')).details;
}

describe('mysql restore tests compare contents', () => {
  it('rows: a latin1 tenant passes, restored twice, with its charset recorded', async () => {
    const { config } = await fixture('rows');
    const { item, exitCode } = await backupAndTest(config, ['--tenant', '2']);
    expect(item.error).toBeUndefined();
    expect(exitCode).toBe(0);
    expect(item.levels).toEqual([1, 2, 3]);
    expect(item.restoreTest).toMatchObject({ replaced: true, rows: 21 });
    expect(await storedDetails()).toMatchObject({ charset: 'latin1', collation: 'latin1_swedish_ci' });
  });

  it('rows: same counts but other contents fail level 3 (the schema now rounds prices)', async () => {
    const { db, config } = await fixture('rows');
    const { item, exitCode } = await backupAndTest(config, ['--tenant', '1'], () => mysqlQuery(db, 'ALTER TABLE items MODIFY price decimal(10,1) NOT NULL'));
    expect(item.error).toContain('items: the restored rows differ from the archived ones (same count, other contents)');
    expect(exitCode).toBe(5);
  });

  it('rows: a table whose collation changed since the backup fails level 3, naming both', async () => {
    const { db, config } = await fixture('rows');
    const { item, exitCode } = await backupAndTest(config, ['--tenant', '1'], () => mysqlQuery(db, 'ALTER TABLE items COLLATE latin1_general_ci'));
    expect(item.error).toContain('items: collation latin1_bin in the manifest, latin1_general_ci restored');
    expect(exitCode).toBe(5);
  });

  it('whole database: a dump whose table comes back in another collation fails level 3', async () => {
    const { config } = await fixture('none');
    // What a server of the other flavour does with a collation it maps: no error, another collation.
    const remap = (name: string, data: Buffer) =>
      name.startsWith('db.sql')
        ? packed(
            name,
            Buffer.from(
              plainOf(name, data)
                .toString('latin1')
                .replace(/COLLATE=latin1_bin/g, 'COLLATE=latin1_general_ci'),
              'latin1',
            ),
          )
        : data;
    const { item, exitCode } = await backupAndTest(config, [], (id) => doctorArchive(path.join(work.dir, 'backups'), id, () => undefined, remap));
    expect(item.error).toContain('items: collation latin1_bin in the manifest, latin1_general_ci restored');
    expect(exitCode).toBe(5);
  });

  it('whole database: restored twice into a scratch database with the archived charset', async () => {
    const { config } = await fixture('none');
    const { item, exitCode } = await backupAndTest(config, []);
    expect(item.error).toBeUndefined();
    expect(exitCode).toBe(0);
    expect(item.restoreTest).toMatchObject({ replaced: true, rows: 42 });
  });
});
