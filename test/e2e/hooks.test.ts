/**
 * Source hooks through the built binary, with real scripts written by the test: pre/post create
 * and restore hooks run with the ORGBACKUP_* environment and their configured env only (no secret
 * of orgbackup's environment), a failing preRestore with onError fail stops the restore before any
 * change (exit 1, no safety backup), and a hook that outlives its timeout is killed.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createDb, dropDb, psql, tableDigests } from '../helpers/pg.js';
import { configWith, pgSource } from '../helpers/restore.js';
import { tempDir } from '../helpers/tmp.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function script(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

describe('hooks', () => {
  it('run around create and restore with their environment; a failing preRestore stops the restore', async () => {
    const db = await createDb('rthook');
    cleanups.push(() => dropDb(db));
    await psql(db, {
      sql: `CREATE TABLE organizations (id int PRIMARY KEY, slug text NOT NULL); CREATE TABLE projects (id serial PRIMARY KEY, org_id int NOT NULL REFERENCES organizations, name text);
      INSERT INTO organizations VALUES (1, 'a'), (2, 'b'); INSERT INTO projects (org_id, name) VALUES (1, 'x'), (2, 'y');`,
    });
    const tmp = await tempDir();
    cleanups.push(() => tmp.cleanup());
    const log = path.join(tmp.dir, 'hooks.log');
    const record = await script(
      tmp.dir,
      'record.sh',
      `echo "$ORGBACKUP_EVENT|$ORGBACKUP_SOURCE|$ORGBACKUP_TENANT|$ORGBACKUP_ARCHIVE_ID|\${ORGBACKUP_OUTCOME:-}|\${MAINTENANCE_TOKEN:-}|\${PGPASSWORD:-no secret}" >> "$1"`,
    );
    const refuse = await script(tmp.dir, 'refuse.sh', `echo "tenant $ORGBACKUP_TENANT is busy" >&2; exit 3`);
    const hook = { command: [record, log], env: { MAINTENANCE_TOKEN: 't0k' } };
    const source = (hooks: Record<string, unknown>) => ({ ...pgSource(db, { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations' }), hooks });
    const config = await configWith(tmp.dir, source({ preCreate: hook, postCreate: hook, preRestore: hook, postRestore: hook }));
    const env = { PGPASSWORD: 'hunter2' };

    const created = await runCli(['-c', config, '--json', 'create', '--source', 'app', '--tenant', '2'], { env: { ...process.env, ...env } });
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.json.archives[0].id as string;
    const restored = await runCli(['-c', config, '--json', 'restore', id, '--yes'], { env: { ...process.env, ...env } });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([
      `preCreate|app|2|${id}||t0k|no secret`,
      `postCreate|app|2|${id}|ok|t0k|no secret`,
      `preRestore|app|2|${id}||t0k|no secret`,
      `postRestore|app|2|${id}|ok|t0k|no secret`,
    ]);

    const blocked = await configWith(tmp.dir, source({ preRestore: { command: [refuse] }, postRestore: hook }));
    await psql(db, { sql: `UPDATE projects SET name = 'edited' WHERE org_id = 2` });
    const before = await tableDigests(db);
    const archivesBefore = (await runCli(['-c', blocked, '--json', 'list'])).json.archives;
    const stopped = await runCli(['-c', blocked, '--json', 'restore', id, '--yes']);
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stderr).toContain('preRestore hook');
    expect(stopped.stderr).toContain('tenant 2 is busy');
    expect(await tableDigests(db)).toEqual(before);
    // No safety backup was taken either.
    expect((await runCli(['-c', blocked, '--json', 'list'])).json.archives).toEqual(archivesBefore);

    const slow = await script(tmp.dir, 'slow.sh', 'exec sleep 30');
    const timed = await configWith(tmp.dir, source({ preRestore: { command: [slow], timeout: 0.5, onError: 'continue' } }));
    const late = await runCli(['-c', timed, '--json', 'restore', id, '--yes', '--no-safety-backup']);
    expect(late.exitCode, late.stderr).toBe(0);
    expect(late.json.warnings.join('\n')).toContain('did not finish within 0.5s and was killed');
  });
});
