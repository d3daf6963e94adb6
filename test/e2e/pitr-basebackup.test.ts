/**
 * Point-in-time restore of one tenant from pg_basebackup + archive_command (docs/pitr.md), on a
 * cluster of its own with WAL archiving: tenant 2 goes back to its state at a time between two
 * rounds of changes, every other tenant keeps its current state, and the errors (a time before
 * the oldest base backup, after the end of archived WAL, a tenant that did not exist) are clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { saasTenantQueries, SAAS_PG_FIXTURE } from '../helpers/tenants.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { PG_BIN, startWalCluster, type WalCluster } from '../helpers/wal-cluster.js';

const hasServer = existsSync(path.join(PG_BIN, 'postgres'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasServer)(`restore --at from base backups and a WAL archive${hasServer ? '' : ` (skipped: no PostgreSQL server binaries in ${PG_BIN})`}`, () => {
  let cluster: WalCluster;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;

  const digests = async (org: number | string) => {
    const out: Record<string, string> = {};
    for (const [table, sql] of Object.entries(saasTenantQueries(org))) {
      const [row] = await cluster.query<{ n: string; d: string | null }>('app', `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM (${sql}) x`);
      out[table] = `${row!.n}:${row!.d ?? ''}`;
    }
    return out;
  };
  const cli = (...args: string[]) => runCli(['-c', config, '--json', '--no-progress', ...args]);

  beforeAll(async () => {
    cluster = await startWalCluster();
    await cluster.query('postgres', 'CREATE DATABASE app');
    await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'orgs=5', '-v', 'scale=1', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', 'app', '-f', SAAS_PG_FIXTURE]);
    await cluster.baseBackup('b1');
    dir = await tempDir();
    config = await writeConfig(dir.dir, {
      version: 1,
      sources: {
        app: {
          type: 'postgres',
          url: cluster.url('app'),
          tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' },
          pitr: { type: 'basebackup', baseBackups: path.join(cluster.dir, 'base'), walArchive: path.join(cluster.dir, 'wal') },
        },
      },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
  });

  it('puts tenant 2 back as it was at T, after changes on both sides of T; the other tenants keep their current rows', async () => {
    await cluster.query('app', `UPDATE issues SET status = 'closed' WHERE org_id = 2 AND id % 5 = 0; DELETE FROM notifications WHERE org_id = 2 AND id % 3 = 0`);
    await cluster.query('app', `UPDATE issues SET title = title || ' (edited)' WHERE org_id = 4 AND id % 7 = 0`);
    const atT = await digests(2);
    await sleep(1100);
    const at = new Date();
    await sleep(1100);
    // After T: tenant 2 loses its comments and users change; tenant 4 changes again.
    await cluster.query('app', `DELETE FROM comment_reactions WHERE comment_id IN (SELECT c.id FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = 2)`);
    await cluster.query('app', `DELETE FROM issue_comments WHERE issue_id IN (SELECT id FROM issues WHERE org_id = 2)`);
    await cluster.query(
      'app',
      `UPDATE users SET role = 'viewer' WHERE org_id = 2; INSERT INTO issues (org_id, title, status, created_at) SELECT 2, 'new ' || g, 'open', now() FROM generate_series(1, 50) g`,
    );
    await cluster.query('app', `DELETE FROM notifications WHERE org_id = 4 AND id % 2 = 0`);
    await cluster.archiveNow();
    expect(await digests(2)).not.toEqual(atT);
    const others = Object.fromEntries(await Promise.all([1, 3, 4, 5].map(async (org) => [org, await digests(org)] as const)));

    const res = await cli('restore', '--at', at.toISOString(), '--source', 'app', '--tenant', '2', '--yes', '--no-safety-backup');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.recoveredTo).toBe(at.toISOString());
    expect(await digests(2)).toEqual(atT);
    for (const org of [1, 3, 4, 5]) expect(await digests(org), `org ${org}`).toEqual(others[org]);

    // The archive read as of T is an ordinary one: trigger pitr, recoveredTo in its manifest.
    const sidecar = JSON.parse(await readFile(`${dir.dir}/backups/${res.json.id}.manifest.json`, 'utf8')) as { trigger: string; details: { recoveredTo: string } };
    expect(sidecar.trigger).toBe('pitr');
    expect(sidecar.details.recoveredTo).toBe(at.toISOString());
    const verified = await cli('verify', res.json.id as string);
    expect(verified.exitCode, verified.stderr).toBe(0);
    // Nothing of the recovered copy is left: no instance directory, no server.
    const leftovers = (await readdir(os.tmpdir())).filter((n) => n.startsWith('orgbackup-run-'));
    for (const name of leftovers) expect(await readdir(path.join(os.tmpdir(), name)).catch(() => [])).not.toContainEqual(expect.stringMatching(/^pitr-/));
    const servers = await execa('pgrep', ['-f', 'recovery_target_time'], { reject: false });
    expect(servers.stdout).toBe('');
  }, 180_000);

  it('create --at from a tar-format base backup gives an archive of the tenant as of T', async () => {
    await cluster.baseBackup('b2', 'tar');
    await cluster.query('app', `UPDATE organizations SET name = 'Before' WHERE id = 3`);
    await sleep(1100);
    const at = new Date();
    await sleep(1100);
    await cluster.query('app', `UPDATE organizations SET name = 'After' WHERE id = 3`);
    await cluster.archiveNow();
    const res = await cli('create', '--at', at.toISOString(), '--source', 'app', '--tenant', '3');
    expect(res.exitCode, res.stderr).toBe(0);
    const id = (res.json.archives as { id: string }[])[0]!.id;
    const target = `${cluster.url('postgres').replace(/\/postgres$/, '')}/copy3`;
    await cluster.query('postgres', 'CREATE DATABASE copy3 TEMPLATE template0');
    const schema = await execa('pg_dump', ['--schema-only', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'app']);
    await execa('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', 'copy3'], { input: schema.stdout });
    const restored = await cli('restore', id, '--target', target, '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await cluster.query('copy3', 'SELECT name FROM organizations WHERE id = 3')).toEqual([{ name: 'Before' }]);
  }, 180_000);

  it('refuses a time before the oldest base backup, after the end of archived WAL, and a tenant that did not exist', async () => {
    const early = await cli('restore', '--at', '2020-01-01T00:00:00Z', '--source', 'app', '--tenant', '2', '--yes');
    expect(early.exitCode, early.stderr).toBe(4);
    expect(early.stderr).toMatch(/no base backup in .* began before 2020-01-01T00:00:00.000Z: the oldest \(b1\) began at/);

    // Changes whose WAL is not archived yet: recovery cannot reach a time after them.
    await cluster.query('app', `UPDATE organizations SET name = 'unarchived' WHERE id = 5`);
    await sleep(1100);
    const late = await cli('create', '--at', new Date().toISOString(), '--source', 'app', '--tenant', '5');
    expect(late.exitCode, late.stderr).toBe(4);
    expect(late.stderr).toMatch(/the archived WAL does not reach .*: recovery ran out of WAL before that time/);

    // Recovery stops at the first commit after T: there must be an archived one.
    const beforeLast = new Date();
    await sleep(1100);
    await cluster.query('app', `UPDATE organizations SET name = 'archived' WHERE id = 5`);
    await cluster.archiveNow();
    const missing = await cli('restore', '--at', beforeLast.toISOString(), '--source', 'app', '--tenant', '77', '--yes');
    expect(missing.exitCode, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/77/);

    const bad = await cli('restore', '--at', 'yesterday-ish', '--source', 'app', '--tenant', '2');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--at yesterday-ish: not a time/);
  }, 180_000);
});
