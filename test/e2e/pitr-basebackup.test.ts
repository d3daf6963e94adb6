/**
 * Point-in-time restore of one tenant from pg_basebackup + archive_command (docs/pitr.md), on a
 * cluster of its own with WAL archiving: tenant 2 goes back to its state at a time between two
 * rounds of changes, every other tenant keeps its current state, the long steps report progress
 * (NDJSON with --json, bars on a TTY), and the errors (a time before the oldest base backup, after
 * the end of archived WAL, a segment missing from the archive, a tenant that did not exist) are clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { cp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { changeAroundT, events, markTime, seedFixture, tenantDigests } from '../helpers/pitr-scenario.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { runOnTty } from '../helpers/tty.js';
import { PG_BIN, startWalCluster, type WalCluster } from '../helpers/wal-cluster.js';

const hasServer = existsSync(path.join(PG_BIN, 'postgres'));

describe.skipIf(!hasServer)(`restore --at from base backups and a WAL archive${hasServer ? '' : ` (skipped: no PostgreSQL server binaries in ${PG_BIN})`}`, () => {
  let cluster: WalCluster;
  let dir: { dir: string; cleanup(): Promise<void> };
  let config: string;

  const configFor = (walArchive: string) =>
    writeConfig(dir.dir, {
      version: 1,
      sources: {
        app: {
          type: 'postgres',
          url: cluster.url('app'),
          tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' },
          pitr: { type: 'basebackup', baseBackups: path.join(cluster.dir, 'base'), walArchive },
        },
      },
      storage: { local: { type: 'local', path: `${dir.dir}/backups` } },
    });
  const cli = (...args: string[]) => runCli(['-c', config, '--json', '--no-progress', ...args]);
  /** Nothing was restored: the run never announced the physical restore nor reported its progress. */
  const restoreStarted = (stderr: string) => events(stderr).some((e) => e.event === 'pitr-restore' || e.step === 'restore');

  beforeAll(async () => {
    cluster = await startWalCluster();
    await seedFixture(cluster, 5);
    await cluster.baseBackup('b1');
    dir = await tempDir();
    config = await configFor(path.join(cluster.dir, 'wal'));
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await dir?.cleanup();
  });

  it('puts tenant 2 back as it was at T, after changes on both sides of T; the other tenants keep their current rows; progress events for each step', async () => {
    const { at, atT } = await changeAroundT(cluster, 2, 4);
    expect(await tenantDigests(cluster, 2)).not.toEqual(atT);
    const others = Object.fromEntries(await Promise.all([1, 3, 4, 5].map(async (org) => [org, await tenantDigests(cluster, org)] as const)));

    const res = await cli('restore', '--at', at, '--source', 'app', '--tenant', '2', '--yes', '--no-safety-backup');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.json.recoveredTo).toBe(at);
    expect(await tenantDigests(cluster, 2)).toEqual(atT);
    for (const org of [1, 3, 4, 5]) expect(await tenantDigests(cluster, org), `org ${org}`).toEqual(others[org]);

    // Each long step reports its start and its end, in order; replay in bytes of WAL up to the target's segment.
    const progress = events(res.stderr).filter((e) => e.event === 'progress');
    expect(progress.filter((e) => e.end).map((e) => e.step)).toEqual(['restore', 'replay', 'read']);
    const end = (step: string) => progress.find((e) => e.step === step && e.end);
    expect(end('replay')?.total).toBeGreaterThan(0);
    expect(end('replay')?.done).toBe(end('replay')?.total);
    expect(end('replay')?.targetLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(end('restore')?.done).toBeGreaterThan(10 * 1024 * 1024);
    expect(end('read')?.done).toBeGreaterThan(0);

    // The archive read as of T is an ordinary one: trigger pitr, recoveredTo in its manifest.
    const sidecar = JSON.parse(await readFile(`${dir.dir}/backups/${res.json.id}.manifest.json`, 'utf8')) as { trigger: string; details: { recoveredTo: string } };
    expect(sidecar.trigger).toBe('pitr');
    expect(sidecar.details.recoveredTo).toBe(at);
    const verified = await cli('verify', res.json.id as string);
    expect(verified.exitCode, verified.stderr).toBe(0);
    // Nothing of the recovered copy is left: no instance directory, no server.
    const leftovers = (await readdir(os.tmpdir())).filter((n) => n.startsWith('orgbackup-run-'));
    for (const name of leftovers) expect(await readdir(path.join(os.tmpdir(), name)).catch(() => [])).not.toContainEqual(expect.stringMatching(/^pitr-/));
    const servers = await execa('pgrep', ['-f', 'recovery_target_time'], { reject: false });
    expect(servers.stdout).toBe('');
  }, 180_000);

  it('create --at from a tar-format base backup gives an archive of the tenant as of T; on a terminal the steps show as progress lines', async () => {
    await cluster.baseBackup('b2', 'tar');
    await cluster.query('app', `UPDATE organizations SET name = 'Before' WHERE id = 3`);
    const at = await markTime(cluster);
    await cluster.query('app', `UPDATE organizations SET name = 'After' WHERE id = 3`);
    await cluster.archiveNow();
    const res = await cli('create', '--at', at, '--source', 'app', '--tenant', '3');
    expect(res.exitCode, res.stderr).toBe(0);
    const id = (res.json.archives as { id: string }[])[0]!.id;
    const target = `${cluster.url('postgres').replace(/\/postgres$/, '')}/copy3`;
    await cluster.query('postgres', 'CREATE DATABASE copy3 TEMPLATE template0');
    const schema = await execa('pg_dump', ['--schema-only', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'app']);
    await execa('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', 'copy3'], { input: schema.stdout });
    const restored = await cli('restore', id, '--target', target, '--yes');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await cluster.query('copy3', 'SELECT name FROM organizations WHERE id = 3')).toEqual([{ name: 'Before' }]);

    // The same on a terminal (nothing to confirm: create asks nothing).
    const tty = await runOnTty(['-c', config, 'create', '--at', at, '--source', 'app', '--tenant', '3'], 'no prompt', '');
    expect(tty.exitCode, tty.output).toBe(0);
    expect(tty.output).toMatch(/physical restore \[/);
    expect(tty.output).toMatch(/WAL replay \[.*\d+%.*[0-9A-F]+\/[0-9A-F]+ of [0-9A-F]+\/[0-9A-F]+/);
  }, 180_000);

  it('refuses a time before the oldest base backup, after the end of archived WAL (before restoring anything), and a tenant that did not exist', async () => {
    const early = await cli('restore', '--at', '2020-01-01T00:00:00Z', '--source', 'app', '--tenant', '2', '--yes');
    expect(early.exitCode, early.stderr).toBe(4);
    expect(early.stderr).toMatch(/no base backup in .* began before 2020-01-01T00:00:00.000Z: the oldest \(b1\) began at/);

    // Changes whose WAL is not archived yet: recovery cannot reach a time after them.
    const archivedUpTo = await markTime(cluster);
    await cluster.query('app', `UPDATE organizations SET name = 'unarchived' WHERE id = 5`);
    const lateAt = await markTime(cluster);
    const late = await cli('create', '--at', lateAt, '--source', 'app', '--tenant', '5');
    expect(late.exitCode, late.stderr).toBe(4);
    const lastCommit = /its last commit before that is at (\S+), so recovery cannot reach that time/.exec(late.stderr)?.[1];
    expect(late.stderr).toContain(`the archived WAL (${path.join(cluster.dir, 'wal')}) ends before ${lateAt}`);
    expect(lastCommit! < archivedUpTo, `${lastCommit} is before ${archivedUpTo}`).toBe(true);
    expect(late.stderr).toMatch(/choose an --at before \S+, or wait until the server has archived the segment holding that time/);
    expect(restoreStarted(late.stderr)).toBe(false);

    // Recovery stops at the first commit after T: there must be an archived one.
    const beforeLast = await markTime(cluster);
    await cluster.query('app', `UPDATE organizations SET name = 'archived' WHERE id = 5`);
    await cluster.archiveNow();
    const missing = await cli('restore', '--at', beforeLast, '--source', 'app', '--tenant', '77', '--yes');
    expect(missing.exitCode, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/77/);

    const bad = await cli('restore', '--at', 'yesterday-ish', '--source', 'app', '--tenant', '2');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--at yesterday-ish: not a time/);
  }, 180_000);

  it('refuses, before restoring anything, when a WAL segment between the base backup and T is missing from the archive', async () => {
    await cluster.baseBackup('b3');
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
    // A copy of the archive without the first of those segments: the live archive stays whole.
    const gapped = path.join(dir.dir, 'wal-gap');
    await cp(path.join(cluster.dir, 'wal'), gapped, { recursive: true });
    await rm(path.join(gapped, segments[0]!));
    config = await configFor(gapped);
    try {
      const res = await cli('create', '--at', at, '--source', 'app', '--tenant', '2');
      expect(res.exitCode, res.stderr).toBe(4);
      expect(res.stderr).toContain(`WAL segment ${segments[0]} is missing from the archive (${gapped}); recovery cannot reach ${at}`);
      expect(restoreStarted(res.stderr)).toBe(false);
      // The whole archive reaches the same time.
      config = await configFor(path.join(cluster.dir, 'wal'));
      const whole = await cli('create', '--at', at, '--source', 'app', '--tenant', '2');
      expect(whole.exitCode, whole.stderr).toBe(0);
    } finally {
      config = await configFor(path.join(cluster.dir, 'wal'));
    }
  }, 180_000);
});
