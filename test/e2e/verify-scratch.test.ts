/**
 * `verify --restore-test --scratch` refuses a value its archives cannot use (exit 2) before any
 * archive is read or restored: a wrong value used to be dropped, and the restore test then ran on
 * the source's own server. Valid values still work.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgUrl, psql } from '../helpers/pg.js';
import { createArchives, scratchDatabasesOf } from '../helpers/restore.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let db: string;
let dir: string;
let config: string;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

beforeAll(async () => {
  db = await createDb('vscratch');
  cleanups.push(() => dropDb(db));
  await psql(db, { sql: `CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10);` });
  const tmp = await tempDir();
  cleanups.push(() => tmp.cleanup());
  dir = tmp.dir;
  const tenants = path.join(dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
  await mkdir(path.join(dir, 'scratch'));
  await writeFile(path.join(dir, 'a-file'), 'x');
  config = await writeConfig(dir, {
    version: 1,
    sources: { app: { type: 'postgres', url: pgUrl(db) }, media: { type: 'files', path: tenants, tenants: { mode: 'directory' } } },
    storage: { local: { type: 'local', path: `${dir}/backups` } },
  });
  await createArchives(config, ['--source', 'app']);
  await createArchives(config, ['--source', 'media', '--tenant', 'acme']);
});

const verify = (...args: string[]) => runCli(['-c', config, 'verify', '--restore-test', ...args]);

describe('verify --scratch', () => {
  it.each<[string, () => string[], RegExp]>([
    ['a PostgreSQL archive, a value that is no URL', () => ['--source', 'app', '--scratch', 'not a url'], /--scratch "not a url" is not a URL, and source "app" is PostgreSQL/],
    ['a PostgreSQL archive, a directory', () => ['--source', 'app', '--scratch', path.join(dir, 'scratch')], /is not a URL, and source "app" is PostgreSQL/],
    ['a PostgreSQL archive, a MySQL URL', () => ['--source', 'app', '--scratch', 'mysql://root@127.0.0.1:3306/mysql'], /--scratch: expected a postgres:\/\/ URL, got mysql:\/\//],
    ['a PostgreSQL archive, a broken URL', () => ['--source', 'app', '--scratch', 'postgres://[::1'], /--scratch: not a valid URL/],
    [
      'a files archive, a URL',
      () => ['--source', 'media', '--scratch', 'postgres://postgres@127.0.0.1:5432/postgres'],
      /is a URL, and the archives of source "media" are restore-tested in a directory/,
    ],
    ['a files archive, a missing directory', () => ['--source', 'media', '--scratch', path.join(dir, 'nowhere')], /nowhere": no such directory/],
    ['a files archive, a file', () => ['--source', 'media', '--scratch', path.join(dir, 'a-file')], /a-file" is not a directory/],
    ['archives of both kinds', () => ['--scratch', path.join(dir, 'scratch')], /need separate runs \(--source\)/],
  ])('refuses %s with exit 2 before restoring anything', async (_name, args, message) => {
    const res = await verify(...args());
    expect(res.stderr).toMatch(message);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).not.toMatch(/restore test of|verified/);
    expect(await scratchDatabasesOf(db)).toEqual([]);
  });

  it('refuses --scratch without --restore-test', async () => {
    const res = await runCli(['-c', config, 'verify', '--scratch', 'postgres://postgres@127.0.0.1:5432/postgres']);
    expect(res.stderr).toMatch(/--scratch is used only with --restore-test/);
    expect(res.exitCode).toBe(2);
  });

  it('uses a fitting value: a server URL for the database, a directory for the files', async () => {
    const server = pgUrl('postgres');
    const pg = await verify('--source', 'app', '--scratch', server);
    expect(pg.exitCode, pg.stderr).toBe(0);
    expect(pg.stderr).toMatch(/restoring into database/);
    const files = await verify('--source', 'media', '--scratch', path.join(dir, 'scratch'));
    expect(files.exitCode, files.stderr).toBe(0);
    expect(files.stderr).toContain(path.join(dir, 'scratch'));
  });
});
