/**
 * A restored SQLite database gets its archived permission bits (a 0640 database comes back 0640,
 * in place and to --target), not 0644; an archive made before modes were recorded restores a new
 * file as 0600 (a database is private by default) and an existing one keeps its mode.
 */
import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { sqlite } from '../helpers/sqlite.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  work = await tempDir('orgbackup-sqlite-modes-');
});
afterEach(async () => {
  await work.cleanup();
});

async function modeOf(file: string): Promise<string> {
  return ((await stat(file)).mode & 0o7777).toString(8);
}

describe('sqlite restore, file modes', () => {
  it('restores the archived mode, and 0600 for a new file from an archive without one', async () => {
    const db = path.join(work.dir, 'app.db');
    await sqlite(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);');
    await chmod(db, 0o640);
    const config = await writeConfig(work.dir, { version: 1, sources: { db: { type: 'sqlite', path: './app.db' } }, storage: { local: { type: 'local', path: './backups' } } });
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = (created.json.archives[0] as { id: string }).id;

    await chmod(db, 0o644);
    const inPlace = await runCli(['-c', config, 'restore', id, '--yes', '--no-safety-backup']);
    expect(inPlace.exitCode, inPlace.stderr).toBe(0);
    expect(await modeOf(db)).toBe('640');
    const clone = path.join(work.dir, 'clone.db');
    const cloned = await runCli(['-c', config, 'restore', id, '--target', clone, '--yes']);
    expect(cloned.exitCode, cloned.stderr).toBe(0);
    expect(await modeOf(clone)).toBe('640');

    const old = await doctorArchive(path.join(work.dir, 'backups'), id, (manifest) => {
      for (const entry of manifest.entries) delete entry.mode;
    });
    const fresh = path.join(work.dir, 'fresh.db');
    const unrecorded = await runCli(['-c', config, 'restore', old, '--target', fresh, '--yes']);
    expect(unrecorded.exitCode, unrecorded.stderr).toBe(0);
    expect(await modeOf(fresh)).toBe('600');
    await chmod(db, 0o660);
    const kept = await runCli(['-c', config, 'restore', old, '--yes', '--no-safety-backup']);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(await modeOf(db)).toBe('660');
  });
});
