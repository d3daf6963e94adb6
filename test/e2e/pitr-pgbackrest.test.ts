/**
 * Point-in-time restore of one tenant from a pgBackRest stanza (docs/pitr.md), on a cluster of its
 * own archiving WAL with pgbackrest archive-push into a repository in a temp directory: tenant 42
 * goes back to its state at a time between changes to tenants 42 and 7, every other tenant keeps its
 * current state; a time before the oldest backup and a missing or misconfigured pgBackRest are clear errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { saasTenantQueries, SAAS_PG_FIXTURE } from '../helpers/tenants.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { PG_BIN, startWalCluster, type WalCluster } from '../helpers/wal-cluster.js';

const ready = existsSync(path.join(PG_BIN, 'postgres')) && existsSync('/usr/bin/pgbackrest');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ORGS = 42;

describe.skipIf(!ready)(`restore --at from a pgBackRest stanza${ready ? '' : ' (skipped: no PostgreSQL 15 server or no /usr/bin/pgbackrest)'}`, () => {
  let cluster: WalCluster;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  /** A time after the backup ended: the preflight checks after choosing it. */
  let afterBackup: string;

  const digests = async (org: number) => {
    const out: Record<string, string> = {};
    for (const [table, sql] of Object.entries(saasTenantQueries(org))) {
      const [row] = await cluster.query<{ n: string; d: string | null }>('app', `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS d FROM (${sql}) x`);
      out[table] = `${row!.n}:${row!.d ?? ''}`;
    }
    return out;
  };
  const configWith = (pitr: Record<string, unknown>) =>
    writeConfig(dir.dir, {
      version: 1,
      sources: {
        app: { type: 'postgres', url: cluster.url('app'), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' }, pitr },
      },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  const cli = (...args: string[]) => runCli(['-c', config, '--json', '--no-progress', ...args]);

  beforeAll(async () => {
    cluster = await startWalCluster({ pgbackrest: 'main' });
    await cluster.query('postgres', 'CREATE DATABASE app');
    await cluster.query('postgres', 'CREATE DATABASE other');
    await execa('psql', [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-v',
      `orgs=${ORGS}`,
      '-v',
      'scale=1',
      '-h',
      '127.0.0.1',
      '-p',
      String(cluster.port),
      '-U',
      'postgres',
      '-d',
      'app',
      '-f',
      SAAS_PG_FIXTURE,
    ]);
    await cluster.pgbackrestBackup();
    await sleep(1100);
    afterBackup = new Date().toISOString();
    dir = await tempDir();
    config = await configWith({ type: 'pgbackrest', stanza: 'main', configFile: cluster.pgbackrestConf });
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
  });

  it('puts tenant 42 back as it was at T after changes to tenants 42 and 7 on both sides of T; every other tenant keeps its current rows', async () => {
    await cluster.query('app', `UPDATE issues SET status = 'closed' WHERE org_id = 42 AND id % 5 = 0; DELETE FROM notifications WHERE org_id = 42 AND id % 3 = 0`);
    await cluster.query('app', `UPDATE issues SET title = title || ' (edited)' WHERE org_id = 7 AND id % 7 = 0`);
    await cluster.query('app', `INSERT INTO issues (org_id, title, status, created_at) SELECT 42, 'before ' || g, 'open', now() FROM generate_series(1, 20) g`);
    const atT = await digests(42);
    await sleep(1100);
    const at = new Date();
    await sleep(1100);
    // After T: tenant 42 loses its comments (a child table emptied) and its users change; tenant 7 changes again.
    await cluster.query('app', `DELETE FROM comment_reactions WHERE comment_id IN (SELECT c.id FROM issue_comments c JOIN issues i ON i.id = c.issue_id WHERE i.org_id = 42)`);
    await cluster.query('app', `DELETE FROM issue_comments WHERE issue_id IN (SELECT id FROM issues WHERE org_id = 42)`);
    await cluster.query(
      'app',
      `UPDATE users SET role = 'viewer' WHERE org_id = 42; INSERT INTO issues (org_id, title, status, created_at) SELECT 42, 'after ' || g, 'open', now() FROM generate_series(1, 50) g`,
    );
    await cluster.query('app', `DELETE FROM notifications WHERE org_id = 7 AND id % 2 = 0; UPDATE issues SET status = 'open' WHERE org_id = 7`);
    await cluster.archiveNow();
    expect(await digests(42)).not.toEqual(atT);
    const others = new Map<number, Record<string, string>>();
    for (let org = 1; org < ORGS; org++) others.set(org, await digests(org));

    const res = await cli('restore', '--at', at.toISOString(), '--source', 'app', '--tenant', '42', '--yes', '--no-safety-backup');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.recoveredTo).toBe(at.toISOString());
    expect(await digests(42)).toEqual(atT);
    for (const [org, digest] of others) expect(await digests(org), `org ${org}`).toEqual(digest);
    const servers = await execa('pgrep', ['-f', 'recovery_target_time'], { reject: false });
    expect(servers.stdout).toBe('');
  }, 300_000);

  it('refuses a time before the oldest backup, a stanza pgBackRest does not know, and a missing pgbackrest', async () => {
    const early = await cli('create', '--at', '2020-01-01T00:00:00Z', '--source', 'app', '--tenant', '42');
    expect(early.exitCode, early.stderr).toBe(4);
    expect(early.stderr).toMatch(/no pgBackRest backup in stanza main began before 2020-01-01T00:00:00.000Z: the oldest \(\S+F\) began at/);

    config = await configWith({ type: 'pgbackrest', stanza: 'nosuch', configFile: cluster.pgbackrestConf });
    const unknown = await cli('create', '--at', '1m ago', '--source', 'app', '--tenant', '42');
    expect(unknown.exitCode, unknown.stderr).toBe(4);
    expect(unknown.stderr).toMatch(/sources\.app\.pitr: pgBackRest cannot be used: .*nosuch/);

    config = await configWith({ type: 'pgbackrest', stanza: 'main', configFile: cluster.pgbackrestConf, command: '/nonexistent/pgbackrest' });
    const missing = await cli('create', '--at', '1m ago', '--source', 'app', '--tenant', '42');
    expect(missing.exitCode, missing.stderr).toBe(4);
    expect(missing.stderr).toMatch(/sources\.app\.pitr: pgBackRest is not installed/);

    config = await configWith({ type: 'pgbackrest', stanza: 'main', configFile: cluster.pgbackrestConf });
    // Checked before anything is copied: server binaries of the backup's major, room in the temp directory.
    const noServer = await runCli(['-c', config, '--json', '--no-progress', 'create', '--at', afterBackup, '--source', 'app', '--tenant', '42'], { env: { ORGBACKUP_PG_BINDIR: '/nonexistent/bin' } });
    expect(noServer.exitCode, noServer.stderr).toBe(4);
    expect(noServer.stderr).toMatch(/the physical backup is PostgreSQL 15, and no PostgreSQL server binaries are in \/nonexistent\/bin/);
  }, 120_000);

  it.skipIf(process.getuid?.() !== 0)(
    'refuses before copying anything when the temp directory is too small for the backup (a 2 MiB tmpfs; needs root to mount it, skipped otherwise)',
    async () => {
      const small = path.join(dir.dir, 'small-tmp');
      await mkdir(small);
      await execa('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=1777', 'tmpfs', small]);
      try {
        const res = await runCli(['-c', config, '--json', '--no-progress', 'create', '--at', afterBackup, '--source', 'app', '--tenant', '42'], { env: { TMPDIR: small } });
        expect(res.exitCode, res.stderr).toBe(4);
        expect(res.stderr).toMatch(/the temp directory .* has \d+ MiB free, and restoring backup \S+F needs about \d+ MiB/);
      } finally {
        await execa('umount', [small]);
      }
    },
    120_000,
  );
});
