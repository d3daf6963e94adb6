/**
 * Hints that used to send a newcomer the wrong way: a missing PostgreSQL role ("check the
 * password"), an unreadable config ("must be valid JSON"), MariaDB called "MySQL", and `list` on an
 * unreadable storage ("not writable").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { TEST_UID, ensureTestUser, isRoot, openTempDir, runCliAs } from '../helpers/as-user.js';
import { uniqueName, writeConfig } from '../helpers/tmp.js';
import { mysqlUrl } from '../helpers/mysql.js';
import { pgUrl } from '../helpers/pg.js';

describe('hints', () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    tmp = await openTempDir('orgbackup-hints-');
    if (isRoot) await ensureTestUser();
  });
  afterAll(() => tmp.cleanup());

  const sourceConfig = (name: string, source: Record<string, unknown>) =>
    writeConfig(tmp.dir, { version: 1, sources: { app: source }, storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } } }, `${name}.json`);

  it('a PostgreSQL role that does not exist is named as such, not as a password problem; -v shows the server\'s words', async () => {
    const role = uniqueName('nobody');
    const config = await sourceConfig('pg-role', { type: 'postgres', url: pgUrl('postgres', role) });
    const out = await runCli(['-c', config, 'preflight']);
    expect(out.exitCode).toBe(4);
    expect(out.stdout + out.stderr).toContain(`role "${role}" does not exist on PostgreSQL at`);
    expect(out.stdout + out.stderr).toContain(`CREATE ROLE "${role}" LOGIN`);
    expect(out.stdout + out.stderr).not.toMatch(/check the password/);
    const verbose = await runCli(['-c', config, '-v', 'preflight']);
    expect(verbose.stderr).toContain(`debug source.app.connect: the server said: role "${role}" does not exist`);
  });

  it('a MariaDB login failure says MySQL/MariaDB', async () => {
    const config = await sourceConfig('mysql-login', { type: 'mysql', url: mysqlUrl('mysql', uniqueName('nobody'), 'wrong') });
    const out = await runCli(['-c', config, 'preflight']);
    expect(out.exitCode).toBe(4);
    expect(out.stdout).toMatch(/MySQL\/MariaDB refused the login for .*: access denied/);
  });

  it('a config that is a directory says it cannot be read and why', async () => {
    const dir = path.join(tmp.dir, 'conf.d');
    await mkdir(dir);
    const out = await runCli(['-c', dir, 'list']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`cannot read config ${dir}: it is a directory (EISDIR)`);
    expect(out.stderr).not.toMatch(/valid JSON/);
  });

  it.skipIf(!isRoot)('a config the user may not read says permission denied (EACCES), not "must be valid JSON"', async () => {
    const file = path.join(tmp.dir, 'secret.json');
    await writeFile(file, '{}', { mode: 0o600 });
    await chmod(file, 0o600);
    const out = await runCliAs(['-c', file, 'list'], { uid: TEST_UID });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`cannot read config ${file}: permission denied (EACCES) for uid ${TEST_UID}`);
    expect(out.stderr).toContain(`chmod 640 ${file}`);
    expect(out.stderr).not.toMatch(/valid JSON/);
  });

  it.skipIf(!isRoot)('list on a storage the user may not read says "not readable"', async () => {
    const backups = path.join(tmp.dir, 'private-backups');
    await mkdir(path.join(backups, 'app'), { recursive: true });
    await chmod(backups, 0o700);
    const config = await writeConfig(tmp.dir, { version: 1, sources: { app: { type: 'files', path: tmp.dir } }, storage: { local: { type: 'local', path: backups } } }, 'unreadable.json');
    await chmod(config, 0o644);
    const out = await runCliAs(['-c', config, 'list'], { uid: TEST_UID });
    expect(out.exitCode).not.toBe(0);
    expect(out.stderr).toContain(`the storage path ${backups} is not readable by uid ${TEST_UID}`);
    expect(out.stderr).not.toMatch(/not writable/);
  });
});
