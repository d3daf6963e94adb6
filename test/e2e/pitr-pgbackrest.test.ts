/**
 * Point-in-time restore of one tenant from a pgBackRest stanza (docs/pitr.md), on a cluster of its
 * own archiving WAL with pgbackrest archive-push into a repository in a temp directory: tenant 42
 * goes back to its state at a time between changes to tenants 42 and 7, every other tenant keeps its
 * current state; a time before the oldest backup, a missing or misconfigured pgBackRest, server
 * binaries of another major, a time after the end of archived WAL and a segment missing from the
 * repository are clear errors, the last two found before pgbackrest restore is ever run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { changeAroundT, markTime, seedFixture, tenantDigests } from '../helpers/pitr-scenario.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { PG_BIN, startWalCluster, type WalCluster } from '../helpers/wal-cluster.js';

const ready = existsSync(path.join(PG_BIN, 'postgres')) && existsSync('/usr/bin/pgbackrest');
const ORGS = 42;

describe.skipIf(!ready)(`restore --at from a pgBackRest stanza${ready ? '' : ' (skipped: no PostgreSQL 15 server or no /usr/bin/pgbackrest)'}`, () => {
  let cluster: WalCluster;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;
  /** A time after the backup ended: the preflight checks after choosing it. */
  let afterBackup: string;
  /** A pgbackrest that records its arguments, one call a line, then runs the real one. */
  let recordingPgbackrest: string;
  let calls: string;

  const configWith = (pitr: Record<string, unknown>) =>
    writeConfig(dir.dir, {
      version: 1,
      sources: {
        app: { type: 'postgres', url: cluster.url('app'), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' }, pitr },
      },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  const stanza = () => ({ type: 'pgbackrest', stanza: 'main', configFile: cluster.pgbackrestConf });
  const cli = (...args: string[]) => runCli(['-c', config, '--json', '--no-progress', ...args]);
  const restoreCalls = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter((l) => / restore( |$)/.test(l));

  beforeAll(async () => {
    cluster = await startWalCluster({ pgbackrest: 'main' });
    await cluster.query('postgres', 'CREATE DATABASE other');
    await seedFixture(cluster, ORGS);
    await cluster.pgbackrestBackup();
    afterBackup = await markTime(cluster);
    dir = await tempDir();
    // In the cluster's directory, which the recovered copy's server (postgres, when root) can reach: it runs archive-get through it.
    calls = path.join(cluster.dir, 'pgbackrest-calls');
    await writeFile(calls, '');
    await chmod(calls, 0o666);
    recordingPgbackrest = path.join(cluster.dir, 'pgbackrest-recording');
    await writeFile(recordingPgbackrest, `#!/bin/sh\necho "$*" >> '${calls}'\nexec /usr/bin/pgbackrest "$@"\n`);
    await chmod(recordingPgbackrest, 0o755);
    config = await configWith(stanza());
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
  });

  it('puts tenant 42 back as it was at T after changes to tenants 42 and 7 on both sides of T; every other tenant keeps its current rows', async () => {
    const { at, atT } = await changeAroundT(cluster, 42, 7);
    expect(await tenantDigests(cluster, 42)).not.toEqual(atT);
    const others = new Map<number, Record<string, string>>();
    for (let org = 1; org < ORGS; org++) others.set(org, await tenantDigests(cluster, org));

    config = await configWith({ ...stanza(), command: recordingPgbackrest });
    const res = await cli('restore', '--at', at, '--source', 'app', '--tenant', '42', '--yes', '--no-safety-backup');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.recoveredTo).toBe(at);
    expect(await tenantDigests(cluster, 42)).toEqual(atT);
    for (const [org, digest] of others) expect(await tenantDigests(cluster, org), `org ${org}`).toEqual(digest);
    // The recording wrapper sees the restore: the checks below that it saw none can fail.
    expect(await restoreCalls()).toHaveLength(1);
    const servers = await execa('pgrep', ['-f', 'recovery_target_time'], { reject: false });
    expect(servers.stdout).toBe('');
  }, 600_000);

  it('refuses a time before the oldest backup, a stanza pgBackRest does not know, a missing pgbackrest, and server binaries missing or of another major', async () => {
    config = await configWith(stanza());
    const early = await cli('create', '--at', '2020-01-01T00:00:00Z', '--source', 'app', '--tenant', '42');
    expect(early.exitCode, early.stderr).toBe(4);
    expect(early.stderr).toMatch(/no pgBackRest backup in stanza main began before 2020-01-01T00:00:00.000Z: the oldest \(\S+F\) began at/);

    config = await configWith({ ...stanza(), stanza: 'nosuch' });
    const unknown = await cli('create', '--at', '1m ago', '--source', 'app', '--tenant', '42');
    expect(unknown.exitCode, unknown.stderr).toBe(4);
    expect(unknown.stderr).toMatch(/sources\.app\.pitr: pgBackRest cannot be used: .*nosuch/);

    config = await configWith({ ...stanza(), command: '/nonexistent/pgbackrest' });
    const missing = await cli('create', '--at', '1m ago', '--source', 'app', '--tenant', '42');
    expect(missing.exitCode, missing.stderr).toBe(4);
    expect(missing.stderr).toMatch(/sources\.app\.pitr: pgBackRest is not installed/);

    // Checked before anything is copied: server binaries of the backup's major.
    config = await configWith({ ...stanza(), command: recordingPgbackrest });
    const before = (await restoreCalls()).length;
    const run = (binDir: string) => runCli(['-c', config, '--json', '--no-progress', 'create', '--at', afterBackup, '--source', 'app', '--tenant', '42'], { env: { ORGBACKUP_PG_BINDIR: binDir } });
    const noServer = await run('/nonexistent/bin');
    expect(noServer.exitCode, noServer.stderr).toBe(4);
    expect(noServer.stderr).toMatch(/the physical backup is PostgreSQL 15, and no PostgreSQL server binaries are in \/nonexistent\/bin/);
    // An injected fault: a bin directory whose postgres says it is 16.
    const other = path.join(dir.dir, 'pg16-bin');
    await mkdir(other, { recursive: true });
    await writeFile(path.join(other, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 16.1"\n');
    await chmod(path.join(other, 'postgres'), 0o755);
    const wrong = await run(other);
    expect(wrong.exitCode, wrong.stderr).toBe(4);
    expect(wrong.stderr).toContain(`the physical backup is PostgreSQL 15, and ${other}/postgres is PostgreSQL 16`);
    expect(wrong.stderr).toMatch(/apt-get install postgresql-15\), or set ORGBACKUP_PG_BINDIR/);
    expect(await restoreCalls()).toHaveLength(before);
  }, 120_000);

  it('refuses, before pgbackrest restore runs, a time after the end of archived WAL and a segment missing from the repository', async () => {
    config = await configWith({ ...stanza(), command: recordingPgbackrest });
    const before = (await restoreCalls()).length;
    // An archived change, then changes whose WAL is not archived yet.
    await cluster.query('app', `UPDATE organizations SET name = 'archived' WHERE id = 5`);
    await cluster.archiveNow();
    await cluster.query('app', `UPDATE organizations SET name = 'unarchived' WHERE id = 5`);
    const lateAt = await markTime(cluster);
    const late = await cli('create', '--at', lateAt, '--source', 'app', '--tenant', '5');
    expect(late.exitCode, late.stderr).toBe(4);
    expect(late.stderr).toMatch(
      new RegExp(`the archived WAL \\(pgBackRest stanza main, archive 15-1\\) ends before ${lateAt.replace(/\./g, '\\.')}: its last commit before that is at \\S+, so recovery cannot reach that time`),
    );

    // Two more segments, T, one more; the first of the two goes missing from the repository.
    const segments: string[] = [];
    for (const org of [1, 2]) {
      await cluster.query('app', `UPDATE issues SET title = title || '.' WHERE org_id = ${org}`);
      await cluster.archiveNow();
      const [row] = await cluster.query<{ last: string }>('postgres', 'SELECT last_archived_wal AS last FROM pg_stat_archiver');
      segments.push(row!.last);
    }
    const at = await markTime(cluster);
    await cluster.query('app', `UPDATE issues SET title = title || '.' WHERE org_id = 3`);
    await cluster.archiveNow();
    const folder = path.join(cluster.dir, 'repo', 'archive', 'main', '15-1', segments[0]!.slice(0, 16));
    const stored = (await readdir(folder)).find((f) => f.startsWith(`${segments[0]}-`))!;
    await rename(path.join(folder, stored), path.join(cluster.dir, stored));
    try {
      const gap = await cli('create', '--at', at, '--source', 'app', '--tenant', '2');
      expect(gap.exitCode, gap.stderr).toBe(4);
      expect(gap.stderr).toContain(`WAL segment ${segments[0]} is missing from the archive (pgBackRest stanza main, archive 15-1); recovery cannot reach ${at}`);
    } finally {
      await rename(path.join(cluster.dir, stored), path.join(folder, stored));
    }
    expect(await restoreCalls()).toHaveLength(before);
  }, 180_000);

  it.skipIf(process.getuid?.() !== 0)(
    'refuses before copying anything when the temp directory is too small for the backup (a 2 MiB tmpfs; needs root to mount it, skipped otherwise)',
    async () => {
      config = await configWith(stanza());
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
