/**
 * `latest` is the newest archive made by create or a schedule, never a restore's pre-restore
 * safety backup (the damaged state the restore undid): a second `restore latest` restores the
 * create archive again, and `verify --latest` checks that archive; the safety backup is restored by its
 * id (and verified with --all); `list --stale` does not count it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, psql, tableDigests } from '../helpers/pg.js';
import { createArchives, pgSource } from '../helpers/restore.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** A tenant database (database mode) and a config with storages `a` and `b`; defaults are `storages`. */
async function setup(storages: string[]): Promise<{ db: string; config: string }> {
  const prefix = uniqueName('rlatest');
  const db = await createDb(prefix);
  cleanups.push(() => dropDb(db));
  await psql(db, { sql: `CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL); INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 50) g;` });
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  const config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { app: pgSource('postgres', { mode: 'database', match: `${prefix}%` }) },
    storage: { a: { type: 'local', path: `${tmp.dir}/a` }, b: { type: 'local', path: `${tmp.dir}/b` } },
    defaults: { storage: storages },
  });
  return { db, config };
}

const damage = (db: string) => psql(db, { sql: `DELETE FROM notes WHERE id > 10; UPDATE notes SET body = 'damaged';` });
const cli = (config: string, ...args: string[]) => runCli(['-c', config, '--json', ...args]);

describe('restore latest and safety backups', () => {
  it('a second restore latest restores the create archive again, not the safety backup of the first', async () => {
    const { db, config } = await setup(['a']);
    const [created] = await createArchives(config, ['--source', 'app', '--tenant', db]);
    const good = await tableDigests(db);
    await damage(db);
    const damaged = await tableDigests(db);

    const first = await cli(config, 'restore', 'latest', '--source', 'app', '--tenant', db, '--yes');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json.id).toBe(created);
    const safety = first.json.safetyBackup.id as string;
    expect(safety).not.toBe(created);
    expect(await tableDigests(db)).toEqual(good);

    // verify --latest (and verify with no ids) checks the same archive latest restores.
    const verified = await cli(config, 'verify', '--latest', '--source', 'app', '--tenant', db);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json.archives.map((a: { id: string }) => a.id)).toEqual([created]);
    const everything = await cli(config, 'verify', '--all', '--source', 'app', '--tenant', db);
    expect(everything.json.archives.map((a: { id: string }) => a.id).sort()).toEqual([created, safety].sort());

    const second = await cli(config, 'restore', 'latest', '--source', 'app', '--tenant', db, '--yes');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json.id).toBe(created);
    expect(await tableDigests(db)).toEqual(good);

    // The safety backups are there, and an explicit id restores one: the damaged state comes back.
    const listed = await cli(config, 'list', '--long', '--source', 'app', '--tenant', db);
    expect(listed.json.archives.map((a: { trigger: string }) => a.trigger).sort()).toEqual(['manual', 'pre-restore', 'pre-restore']);
    const explicit = await cli(config, 'restore', safety, '--yes', '--no-safety-backup');
    expect(explicit.exitCode, explicit.stderr).toBe(0);
    expect(await tableDigests(db)).toEqual(damaged);
  });

  it('list --stale does not count a safety backup as a backup of the tenant', async () => {
    // Create archives go to `a` only; the restore's safety backup goes to the first default, `b`.
    const { db, config } = await setup(['b', 'a']);
    const [created] = await createArchives(config, ['--source', 'app', '--tenant', db, '--storage', 'a']);
    await damage(db);
    const restored = await cli(config, 'restore', 'latest', '--source', 'app', '--tenant', db, '--storage', 'a', '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.json.safetyBackup.id).toMatch(new RegExp(`^app/${db}/`));

    const stale = await cli(config, 'list', '--stale', '26h', '--source', 'app', '--tenant', db);
    expect(stale.json.stale, stale.stderr).toEqual([{ source: 'app', tenant: db, storage: 'b' }]);
    expect(stale.exitCode).toBe(1);

    // Across storages too, latest is the create archive in `a`, not the newer safety backup in `b`.
    const again = await cli(config, 'restore', 'latest', '--source', 'app', '--tenant', db, '--dry-run');
    expect(again.exitCode, again.stderr).toBe(0);
    expect([again.json.id, again.json.storage]).toEqual([created, 'a']);
  });
});
