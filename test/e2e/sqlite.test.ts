/**
 * SQLite sources end to end, through the built binary: Chinook round trips (mode none), one
 * database per tenant (mode directory) including a live WAL database whose newest rows exist only
 * in its -wal file, restores in place over stale -wal/-shm files, and the failures an operator
 * meets (missing sqlite3, missing file, a damaged database).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { copyFile, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import type { Sidecar } from '../../src/archive/manifest.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { dataset, hasDatasets, DATASETS_SKIP_REASON } from '../helpers/datasets.js';
import { loadSqliteFile, sqlite, sqliteDigests, sqliteJson } from '../helpers/sqlite.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  work = await tempDir('orgbackup-sqlite-');
});
afterEach(async () => {
  await work.cleanup();
});

function config(source: Record<string, unknown>): Record<string, unknown> {
  return { version: 1, sources: { db: { type: 'sqlite', ...source } }, storage: { local: { type: 'local', path: './backups' } } };
}

async function cli(configFile: string, ...args: string[]) {
  return runCli(['-c', configFile, '--json', ...args]);
}

const TENANT_SQL = (n: number) => `
  CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id), title TEXT, payload BLOB);
  CREATE VIEW open_tasks AS SELECT id, title FROM tasks WHERE id % 2 = 0;
  CREATE TRIGGER name_trim AFTER INSERT ON projects BEGIN UPDATE projects SET name = trim(name) WHERE id = NEW.id; END;
  INSERT INTO projects (name) SELECT ' project ' || value FROM generate_series(1, ${n});
  INSERT INTO tasks (project_id, title, payload) SELECT 1 + value % ${n}, 'task ' || value || ' ✓', randomblob(32) FROM generate_series(1, ${n * 10});`;

describe.skipIf(!hasDatasets)(`sqlite: Chinook, mode none (${hasDatasets ? 'datasets present' : DATASETS_SKIP_REASON})`, () => {
  it('creates, lists, verifies and restores (in place with a safety backup, and to --target) with identical data', async () => {
    const db = path.join(work.dir, 'chinook.db');
    await loadSqliteFile(db, dataset('chinook', 'Chinook_Sqlite.sql'));
    const before = await sqliteDigests(db);
    const file = await writeConfig(work.dir, config({ path: './chinook.db' }));

    const created = await cli(file, 'create');
    expect(created.exitCode, created.stderr).toBe(0);
    const archive = created.json.archives[0] as { id: string };
    expect(archive).toMatchObject({ source: 'db', tenant: '_all', status: 'ok', rows: 15607 });

    const listed = await cli(file, 'list', '--long');
    expect(listed.exitCode).toBe(0);
    expect(JSON.stringify(listed.json)).toContain(archive.id);
    const verified = await cli(file, 'verify', archive.id);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json.archives[0]).toMatchObject({ status: 'ok', levels: [1, 2] });

    const copy = path.join(work.dir, 'copy.db');
    const toTarget = await cli(file, 'restore', archive.id, '--target', copy, '--yes');
    expect(toTarget.exitCode, toTarget.stderr).toBe(0);
    expect(await sqliteDigests(copy)).toEqual(before);

    await sqlite(db, 'PRAGMA foreign_keys = OFF; DELETE FROM InvoiceLine; UPDATE Artist SET Name = upper(Name);');
    expect(await sqliteDigests(db)).not.toEqual(before);
    const inPlace = await cli(file, 'restore', 'latest', '--source', 'db', '--yes');
    expect(inPlace.exitCode, inPlace.stderr).toBe(0);
    expect(inPlace.json.safetyBackup.id).toMatch(/^db\/_all\//);
    expect(await sqliteDigests(db)).toEqual(before);
    const manifest = await readSidecar(work.dir, archive.id);
    expect(manifest.entries.map((e) => e.name)).toEqual(['db.sqlite.zst']);
    expect(manifest.tables.find((t) => t.name === 'Track')).toEqual({ name: 'Track', rows: 3503 });
    expect(manifest.schemaFingerprint?.tables).toHaveLength(11);
  });
});

async function readSidecar(dir: string, id: string): Promise<Sidecar> {
  return JSON.parse(await readFile(path.join(dir, 'backups', `${id}.manifest.json`), 'utf8')) as Sidecar;
}

describe('sqlite: one database per tenant (mode directory)', () => {
  it('backs up each tenant file, including rows a live writer holds only in the -wal file', async () => {
    const tenants = path.join(work.dir, 'tenants');
    await execa('mkdir', [tenants]);
    await sqlite(path.join(tenants, 'acme.sqlite'), TENANT_SQL(3));
    await sqlite(path.join(tenants, 'globex.sqlite'), TENANT_SQL(5));
    await writeFile(path.join(tenants, 'notes.txt'), 'not a database');
    const live = path.join(tenants, 'initech.sqlite');
    await sqlite(live, `PRAGMA journal_mode = WAL; ${TENANT_SQL(4)}`);
    const writer = await holdWalWriter(live, "INSERT INTO projects (name) VALUES ('only in the wal');", "SELECT count(*) AS n FROM projects WHERE name = 'only in the wal';");
    try {
      // A plain copy of the main file would miss the row: it lives only in initech.sqlite-wal.
      const naive = path.join(work.dir, 'naive.sqlite');
      await copyFile(live, naive);
      expect(await sqliteJson(naive, "SELECT count(*) AS n FROM projects WHERE name = 'only in the wal';")).toEqual([{ n: 0 }]);
      const liveDigests = await sqliteDigests(live);

      const file = await writeConfig(work.dir, config({ path: './tenants/*.sqlite', tenants: { mode: 'directory', exclude: ['globex'] } }));
      const created = await cli(file, 'create');
      expect(created.exitCode, created.stderr).toBe(0);
      expect((created.json.archives as { tenant: string }[]).map((a) => a.tenant).sort()).toEqual(['acme', 'initech']);

      const restored = path.join(work.dir, 'restored');
      await execa('mkdir', [restored]);
      const out = await cli(file, 'restore', 'latest', '--source', 'db', '--tenant', 'initech', '--target', restored, '--yes');
      expect(out.exitCode, out.stderr).toBe(0);
      expect(out.json.target).toBe(path.join(restored, 'initech.sqlite'));
      expect(await sqliteDigests(path.join(restored, 'initech.sqlite'))).toEqual(liveDigests);
    } finally {
      writer.child.kill();
      await writer.child.catch(() => undefined);
    }
  });

  it('restores a tenant in place over stale -wal/-shm files, and recreates a deleted one', async () => {
    const tenants = path.join(work.dir, 'tenants');
    await execa('mkdir', [tenants]);
    const acme = path.join(tenants, 'acme.db');
    await sqlite(acme, `PRAGMA journal_mode = WAL; ${TENANT_SQL(6)}`);
    const archived = await sqliteDigests(acme);
    const file = await writeConfig(work.dir, config({ path: './tenants', tenants: { mode: 'directory', match: '*.db' } }));
    const created = await cli(file, 'create');
    expect(created.exitCode, created.stderr).toBe(0);

    // Later writes sit in the WAL when the restore starts; they must not be replayed into the restored file.
    const writer = await holdWalWriter(acme, "DELETE FROM tasks; INSERT INTO projects (name) VALUES ('after the backup');", "SELECT count(*) AS n FROM projects WHERE name = 'after the backup';");
    writer.child.kill('SIGKILL');
    await writer.child.catch(() => undefined);
    expect((await stat(`${acme}-wal`)).size).toBeGreaterThan(0);
    const restored = await cli(file, 'restore', 'latest', '--source', 'db', '--tenant', 'acme', '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json.safetyBackup.id).toMatch(/^db\/acme\//);
    expect(await sqliteDigests(acme)).toEqual(archived);
    expect((await readdir(tenants)).filter((f) => f.startsWith('.'))).toEqual([]);

    await execa('rm', ['-f', acme, `${acme}-wal`, `${acme}-shm`]);
    // By id: `latest` is now the safety backup taken by the restore above.
    const recreated = await cli(file, 'restore', (created.json.archives[0] as { id: string }).id, '--yes');
    expect(recreated.exitCode, recreated.stderr).toBe(0);
    expect(recreated.json.safetyBackup).toBeUndefined();
    expect(await sqliteDigests(acme)).toEqual(archived);
  });
});

describe('sqlite: failures', () => {
  it('stops at preflight (exit 4) when sqlite3 is missing, naming the tool and how to install it', async () => {
    await sqlite(path.join(work.dir, 'a.db'), TENANT_SQL(1));
    const file = await writeConfig(work.dir, config({ path: './a.db', tools: { sqlite3: '/nonexistent/sqlite3' } }));
    const out = await runCli(['-c', file, 'create']);
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toMatch(/source\.db\.tool\.sqlite3: sqlite3 was not found/);
    expect(out.stderr).toMatch(/install the sqlite3 CLI/);
  });

  it('stops at preflight (exit 4) on a database file that does not exist, and never creates one', async () => {
    const file = await writeConfig(work.dir, config({ path: './missing.db' }));
    const out = await runCli(['-c', file, 'create']);
    expect(out.exitCode).toBe(4);
    expect(out.stderr).toMatch(/source\.db\.path: .*missing\.db does not exist/);
    await expect(stat(path.join(work.dir, 'missing.db'))).rejects.toThrow();
  });

  it('fails a damaged database at PRAGMA integrity_check and stores nothing', async () => {
    const db = path.join(work.dir, 'bad.db');
    await sqlite(db, `PRAGMA page_size = 1024; ${TENANT_SQL(50)} CREATE INDEX tasks_title ON tasks(title);`);
    await damagePage(db, 1024, 5);
    const file = await writeConfig(work.dir, config({ path: './bad.db' }));
    const out = await cli(file, 'create');
    expect(out.exitCode).toBe(1);
    expect(out.json.archives[0].error).toMatch(/integrity_check|not a readable SQLite database/);
    const listed = await cli(file, 'list');
    expect(listed.json.archives ?? []).toEqual([]);
  });
});

/**
 * A sqlite3 process that committed `sql` in WAL mode with checkpoints off and stays open; ready
 * once another connection sees `ready` (a count query) return 1. Its stdout is block-buffered on
 * a pipe, so readiness is observed from outside.
 */
async function holdWalWriter(db: string, sql: string, ready: string): Promise<{ child: ResultPromise }> {
  const child = execa('sqlite3', ['-init', '/dev/null', '-batch', db], { stdin: 'pipe', stdout: 'ignore', buffer: false });
  child.stdin.write(`PRAGMA wal_autocheckpoint = 0; ${sql}\n`);
  for (let i = 0; i < 200; i++) {
    const [row] = await sqliteJson<{ n: number }>(db, ready);
    // Wrapped: an async function returning the child (a promise) would wait for it to exit.
    if (row?.n === 1) return { child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error(`the writer did not commit: ${sql}`);
}

/** Overwrites the middle of page `page` with garbage. */
async function damagePage(db: string, pageSize: number, page: number): Promise<void> {
  const handle = await open(db, 'r+');
  try {
    await handle.write(Buffer.alloc(200, 0xa5), 0, 200, (page - 1) * pageSize + 100);
  } finally {
    await handle.close();
  }
}
