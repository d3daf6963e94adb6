/**
 * The archive lifecycle of one tenant for every source type and mode, through the built binary:
 * two backups (hooks around each), `export` of the newest (every value; a files archive refused),
 * `get` of it to a file, `delete` of the older, `import`
 * of the file into a second storage, the tenant destroyed (database dropped, schema dropped, rows
 * deleted, file or directory removed) and put back by `restore latest` from the imported copy with
 * every table or file equal, destroyed again and put back by `restore ./FILE`, and `forget --all`
 * leaving no archive of it. MySQL/MariaDB mode none covers `restore latest` after DROP DATABASE.
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDb, dropMysqlDb, mysqlDigests, mysqlExec, mysqlQuery, mysqlUrl } from '../helpers/mysql.js';
import { createDb, dropDb, pgQuery, pgUrl, psql, tableDigests } from '../helpers/pg.js';
import { sqlite, sqliteDigests } from '../helpers/sqlite.js';
import { cli } from '../helpers/tenants.js';
import { snapshot, tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

/** One source under test: its config, the tenant, how to read its data, how to destroy it. */
interface Subject {
  source: Record<string, unknown>;
  tenant: string;
  /** The rows `export --format ndjson` gives for its one table of the tenant; undefined: a files archive, which export refuses. */
  exported?: Record<string, unknown>[];
  digest(): Promise<unknown>;
  destroy(): Promise<void>;
  cleanup(): Promise<void>;
}

const ROWS_SQL = `CREATE TABLE organizations (id int PRIMARY KEY, slug varchar(20) NOT NULL);
  CREATE TABLE items (id int PRIMARY KEY, org_id int NOT NULL REFERENCES organizations (id), title varchar(40));
  INSERT INTO organizations VALUES (1, 'one'), (2, 'two');
  INSERT INTO items VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 2, 'c');`;
const ROWS_TENANTS = { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' };
const DELETE_TENANT_2 = 'DELETE FROM items WHERE org_id = 2; DELETE FROM organizations WHERE id = 2;';
const TABLE_SQL = `CREATE TABLE notes (id int PRIMARY KEY, body varchar(40)); INSERT INTO notes VALUES (1, 'x'), (2, 'y');`;
const NOTES = [
  { id: 1, body: 'x' },
  { id: 2, body: 'y' },
];
const ITEMS_OF_2 = [
  { id: 2, org_id: 2, title: 'b' },
  { id: 3, org_id: 2, title: 'c' },
];

const pgDrop = (db: string) => pgQuery('postgres', `DROP DATABASE "${db}" WITH (FORCE)`).then(() => undefined);

const SUBJECTS: Record<string, (dir: string) => Promise<Subject>> = {
  'postgres none': async () => {
    const db = await createDb('oblife');
    await psql(db, { sql: TABLE_SQL });
    return { source: { type: 'postgres', url: pgUrl(db) }, tenant: '_all', exported: NOTES, digest: () => tableDigests(db), destroy: () => pgDrop(db), cleanup: () => dropDb(db) };
  },
  'postgres database': async () => {
    const prefix = uniqueName('oblifedb');
    const db = `${prefix}_acme`;
    await pgQuery('postgres', `CREATE DATABASE "${db}"`);
    await psql(db, { sql: TABLE_SQL });
    return {
      source: { type: 'postgres', url: pgUrl('postgres'), tenants: { mode: 'database', match: `${prefix}\\_%` } },
      tenant: db,
      exported: NOTES,
      digest: () => tableDigests(db),
      destroy: () => pgDrop(db),
      cleanup: () => dropDb(db),
    };
  },
  'postgres schema': async () => {
    const db = await createDb('oblifesch');
    await psql(db, { sql: `CREATE SCHEMA tenant_acme; SET search_path = tenant_acme; ${TABLE_SQL}` });
    return {
      source: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'schema', match: 'tenant\\_%' } },
      tenant: 'tenant_acme',
      exported: NOTES,
      digest: () => tableDigests(db, ['tenant_acme']),
      destroy: () => psql(db, { sql: 'DROP SCHEMA tenant_acme CASCADE' }),
      cleanup: () => dropDb(db),
    };
  },
  'postgres rows': async () => {
    const db = await createDb('obliferows');
    await psql(db, { sql: ROWS_SQL });
    return {
      source: { type: 'postgres', url: pgUrl(db), tenants: ROWS_TENANTS },
      tenant: '2',
      exported: ITEMS_OF_2,
      digest: () => tableDigests(db),
      destroy: () => psql(db, { sql: DELETE_TENANT_2 }),
      cleanup: () => dropDb(db),
    };
  },
  'mysql none': async () => {
    const db = await createMysqlDb('ob_life');
    await mysqlExec(db, TABLE_SQL);
    return { source: { type: 'mysql', url: mysqlUrl(db) }, tenant: '_all', exported: NOTES, digest: () => mysqlDigests(db), destroy: () => dropMysqlDb(db), cleanup: () => dropMysqlDb(db) };
  },
  'mysql database': async () => {
    const prefix = uniqueName('ob_lifedb');
    const db = `${prefix}_acme`;
    await mysqlQuery(undefined, `CREATE DATABASE \`${db}\``);
    await mysqlExec(db, TABLE_SQL);
    return {
      source: { type: 'mysql', url: mysqlUrl(''), tenants: { mode: 'database', match: `${prefix.replace(/_/g, '\\_')}\\_%` } },
      tenant: db,
      exported: NOTES,
      digest: () => mysqlDigests(db),
      destroy: () => dropMysqlDb(db),
      cleanup: () => dropMysqlDb(db),
    };
  },
  'mysql rows': async () => {
    const db = await createMysqlDb('ob_liferows');
    await mysqlExec(db, ROWS_SQL);
    return {
      source: { type: 'mysql', url: mysqlUrl(db), tenants: ROWS_TENANTS },
      tenant: '2',
      exported: ITEMS_OF_2,
      digest: () => mysqlDigests(db),
      destroy: () => mysqlExec(db, DELETE_TENANT_2),
      cleanup: () => dropMysqlDb(db),
    };
  },
  'sqlite none': async (dir) => {
    const file = path.join(dir, 'app.db');
    await sqlite(file, TABLE_SQL);
    return { source: { type: 'sqlite', path: file }, tenant: '_all', exported: NOTES, digest: () => sqliteDigests(file), destroy: () => rm(file), cleanup: async () => undefined };
  },
  'sqlite directory': async (dir) => {
    await mkdir(path.join(dir, 'dbs'));
    for (const t of ['acme', 'globex']) await sqlite(path.join(dir, 'dbs', `${t}.sqlite`), TABLE_SQL);
    const file = path.join(dir, 'dbs', 'acme.sqlite');
    return {
      source: { type: 'sqlite', path: path.join(dir, 'dbs', '*.sqlite'), tenants: { mode: 'directory' } },
      tenant: 'acme',
      exported: NOTES,
      digest: () => sqliteDigests(file),
      destroy: () => rm(file),
      cleanup: async () => undefined,
    };
  },
  'files none': async (dir) => {
    const root = path.join(dir, 'site');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<p>hi</p>');
    await writeFile(path.join(root, 'sub', 'data.bin'), Buffer.from([0, 1, 2, 255]));
    return { source: { type: 'files', path: root }, tenant: '_all', digest: () => snapshot(root), destroy: () => rm(root, { recursive: true }), cleanup: async () => undefined };
  },
  'files directory': async (dir) => {
    for (const t of ['acme', 'globex']) {
      await mkdir(path.join(dir, 'tenants', t), { recursive: true });
      await writeFile(path.join(dir, 'tenants', t, 'invoice.txt'), `invoice of ${t}`);
    }
    const root = path.join(dir, 'tenants', 'acme');
    return {
      source: { type: 'files', path: path.join(dir, 'tenants'), tenants: { mode: 'directory' } },
      tenant: 'acme',
      digest: () => snapshot(root),
      destroy: () => rm(root, { recursive: true }),
      cleanup: async () => undefined,
    };
  },
};

describe.each(Object.keys(SUBJECTS))('archive lifecycle: %s', (name) => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  let subject: Subject;
  let config: string;
  let hookLog: string;

  beforeAll(async () => {
    tmp = await tempDir('orgbackup-e2e-lifecycle-');
    subject = await SUBJECTS[name]!(tmp.dir);
    hookLog = path.join(tmp.dir, 'hooks.log');
    const record = path.join(tmp.dir, 'record.sh');
    await writeFile(record, `#!/bin/sh\necho "$ORGBACKUP_EVENT|$ORGBACKUP_SOURCE|$ORGBACKUP_TENANT" >> "$1"\n`);
    await chmod(record, 0o755);
    const hook = { command: [record, hookLog] };
    config = await writeConfig(tmp.dir, {
      version: 1,
      sources: { app: { ...subject.source, hooks: { preCreate: hook, postCreate: hook, preRestore: hook, postRestore: hook } } },
      storage: { disk: { type: 'local', path: path.join(tmp.dir, 'disk') }, vault: { type: 'local', path: path.join(tmp.dir, 'vault') } },
      defaults: { storage: ['disk'] },
    });
  });

  afterAll(async () => {
    await subject?.cleanup().catch(() => undefined);
    await tmp?.cleanup();
  });

  /** export of the archive: its one table of the tenant, every value; a files archive is refused with the way to get its files. */
  async function checkExport(id: string): Promise<void> {
    const out = path.join(tmp.dir, 'export');
    const res = await cli(config, 'export', id, '--format', 'ndjson', '-o', out);
    if (!subject.exported) {
      expect(res.exitCode).toBe(2);
      expect(res.json.error.hint).toContain('orgbackup get');
      return;
    }
    expect(res.exitCode, res.stderr).toBe(0);
    const table = (res.json.tables as { name: string; file: string; rows: number }[]).find((t) => /(notes|items)$/.test(t.name))!;
    expect(table.rows).toBe(subject.exported.length);
    const lines = (await readFile(path.join(out, table.file), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(subject.exported);
  }

  it('export, get, delete, import, restore latest of a destroyed tenant, restore FILE, forget; hooks around each', async () => {
    const { tenant } = subject;
    const create = async () => {
      const res = await cli(config, 'create', '--source', 'app', '--tenant', tenant);
      expect(res.exitCode, res.stderr).toBe(0);
      return res.json.archives[0].id as string;
    };
    const older = await create();
    const newest = await create();
    const before = await subject.digest();

    const file = path.join(tmp.dir, 'newest.zip');
    expect((await cli(config, 'get', newest, '-o', file)).exitCode).toBe(0);
    await checkExport(newest);
    const deleted = await cli(config, 'delete', older, '--yes');
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    expect(deleted.json.summary.removed).toBe(1);
    const imported = await cli(config, 'import', file, '--storage', 'vault');
    expect(imported.exitCode, imported.stderr).toBe(0);
    const listed = await cli(config, 'list', '--tenant', tenant, '--storage', 'disk', '--storage', 'vault');
    expect(listed.json.archives.map((a: { id: string; storage: string }) => `${a.storage} ${a.id}`).sort()).toEqual([`disk ${newest}`, `vault ${newest}`]);

    await subject.destroy();
    const latest = await cli(config, 'restore', 'latest', '--source', 'app', '--tenant', tenant, '--storage', 'vault', '--yes', '--no-safety-backup');
    expect(latest.exitCode, latest.stderr).toBe(0);
    expect(latest.json.id).toBe(newest);
    expect(await subject.digest()).toEqual(before);

    await subject.destroy();
    const fromFile = await cli(config, 'restore', file, '--yes', '--no-safety-backup');
    expect(fromFile.exitCode, fromFile.stderr).toBe(0);
    expect(await subject.digest()).toEqual(before);

    const hooks = (await readFile(hookLog, 'utf8')).trim().split('\n');
    expect(hooks).toEqual([...['preCreate', 'postCreate', 'preCreate', 'postCreate', 'preRestore', 'postRestore', 'preRestore', 'postRestore'].map((e) => `${e}|app|${tenant}`)]);

    const forgot = await cli(config, 'forget', '--source', 'app', '--tenant', tenant, '--all', '--yes');
    expect(forgot.exitCode, forgot.stderr).toBe(0);
    expect(forgot.json.archives.map((a: { storage: string; id: string }) => `${a.storage} ${a.id}`).sort()).toEqual([`disk ${newest}`, `vault ${newest}`]);
    expect((await cli(config, 'list', '--tenant', tenant, '--storage', 'disk', '--storage', 'vault')).json.archives).toEqual([]);
    // Fourteen commands of the built binary in a row: minutes on a loaded 2-core machine.
  }, 360_000);
});
