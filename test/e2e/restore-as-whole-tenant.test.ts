/**
 * `restore --as` rewrites a tenant column, and only rows mode has one: a SQLite source (whole file
 * or a file per tenant) and a files source are refused with a usage error (exit 2, before anything
 * is read) that names the mode and why, with nothing changed; the hint's way, --target, clones a
 * SQLite tenant's file under the new tenant's name, which the source then lists as that tenant.
 */
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { sqlite, sqliteDigests } from '../helpers/sqlite.js';
import { cli } from '../helpers/tenants.js';
import { snapshot, tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
let config: string;

beforeAll(async () => {
  work = await tempDir('orgbackup-as-whole-');
  await mkdir(path.join(work.dir, 'tenants'));
  for (const tenant of ['acme', 'globex']) {
    await sqlite(path.join(work.dir, 'tenants', `${tenant}.sqlite`), `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('${tenant} 1'), ('${tenant} 2');`);
  }
  await sqlite(path.join(work.dir, 'app.db'), 'CREATE TABLE t (id INTEGER PRIMARY KEY, org_id INTEGER); INSERT INTO t VALUES (1, 1);');
  await cp(path.join(ROOT, 'examples/tenants'), path.join(work.dir, 'files'), { recursive: true });
  config = await writeConfig(work.dir, {
    version: 1,
    sources: {
      perTenant: { type: 'sqlite', path: './tenants/*.sqlite', tenants: { mode: 'directory' } },
      whole: { type: 'sqlite', path: './app.db' },
      media: { type: 'files', path: './files', tenants: { mode: 'directory' } },
    },
    storage: { local: { type: 'local', path: './backups' } },
  });
});

afterAll(async () => {
  await work?.cleanup();
});

async function archiveOf(source: string, tenant: string): Promise<string> {
  const res = await cli(config, 'create', '--source', source, '--tenant', tenant);
  expect(res.exitCode, res.stderr).toBe(0);
  return res.json.archives[0].id as string;
}

describe('restore --as outside rows mode', () => {
  it.each([
    { source: 'perTenant', tenant: 'acme', mode: 'directory', holds: "the tenant's whole file or directory" },
    { source: 'whole', tenant: '_all', mode: 'none', holds: 'the whole source' },
    { source: 'media', tenant: 'acme', mode: 'directory', holds: "the tenant's whole file or directory" },
  ])('$source ($mode mode) is refused with exit 2, naming why, nothing changed', async ({ source, tenant, mode, holds }) => {
    const id = await archiveOf(source, tenant);
    const before = await snapshot(work.dir);
    for (const extra of [['--dry-run'], ['--yes']]) {
      const res = await cli(config, 'restore', id, '--as', 'sandbox', ...extra);
      expect(res.exitCode, res.stderr).toBe(2);
      expect(res.json.error.message).toContain(`--as works in rows mode only`);
      expect(res.json.error.message).toContain(`source ${source} is in ${mode} mode, where an archive is ${holds}, with no tenant column to rewrite`);
      expect(res.json.error.hint).toContain('--target');
    }
    expect(await snapshot(work.dir)).toEqual(before);
  });

  it('--target, as the hint says, clones a per-tenant SQLite file as a new tenant the source then lists', async () => {
    const id = await archiveOf('perTenant', 'globex');
    const clone = path.join(work.dir, 'tenants', 'sandbox.sqlite');
    const res = await cli(config, 'restore', id, '--target', clone, '--yes');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await sqliteDigests(clone)).toEqual(await sqliteDigests(path.join(work.dir, 'tenants', 'globex.sqlite')));
    const created = await cli(config, 'create', '--source', 'perTenant', '--dry-run');
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.json.planned.map((p: { tenant: string }) => p.tenant).sort()).toEqual(['acme', 'globex', 'sandbox']);
  });
});
