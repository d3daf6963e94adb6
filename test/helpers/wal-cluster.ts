/**
 * A second PostgreSQL cluster with WAL archiving, for point-in-time tests: initdb in a temp
 * directory, a free 127.0.0.1 port, `archive_command` copying into `<dir>/wal`, and plain base
 * backups made by pg_basebackup into `<dir>/base/<name>`. As root the server runs as `postgres`
 * (it refuses root); the directories are made so that user can write them. Removed by `stop()`.
 */
import { execa } from 'execa';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const PG_BIN = process.env.ORGBACKUP_PG_BINDIR ?? '/usr/lib/postgresql/15/bin';

export interface WalCluster {
  dir: string;
  port: number;
  url(database: string): string;
  query<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]>;
  baseBackup(name: string, format?: 'plain' | 'tar'): Promise<void>;
  /** With `{ pgbackrest: stanza }`: its pgbackrest.conf (repository in `<dir>/repo`), and a full backup into it. */
  pgbackrestConf: string;
  pgbackrestBackup(): Promise<void>;
  /** Ends the current WAL segment and waits until it is archived (so WAL reaches "now"). */
  archiveNow(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root without a postgres user');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Options: `pgbackrest`, a stanza name: WAL is archived with pgbackrest archive-push into a repository of the cluster's own. */
export async function startWalCluster(setup: { pgbackrest?: string } = {}): Promise<WalCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orgbackup-walcluster-'));
  await chmod(dir, 0o755);
  const owner = await postgresUser();
  for (const sub of ['wal', 'sock', 'base', 'repo', 'pgbr']) await mkdir(path.join(dir, sub));
  if (owner) for (const sub of ['', 'wal', 'sock', 'repo', 'pgbr']) await chown(path.join(dir, sub), owner.uid, owner.gid);
  const as = (file: string, args: string[]) => (owner ? execa('setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups', '--', file, ...args]) : execa(file, args));
  await as(path.join(PG_BIN, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const stanza = setup.pgbackrest;
  const pgbackrestConf = path.join(dir, 'pgbackrest.conf');
  await writeFile(
    pgbackrestConf,
    [
      '[global]',
      `repo1-path=${path.join(dir, 'repo')}`,
      'repo1-retention-full=4',
      `lock-path=${path.join(dir, 'pgbr')}`,
      `log-path=${path.join(dir, 'pgbr')}`,
      'start-fast=y',
      `[${stanza ?? 'none'}]`,
      `pg1-path=${path.join(dir, 'data')}`,
      `pg1-port=${port}`,
      `pg1-socket-path=${path.join(dir, 'sock')}`,
      '',
    ].join('\n'),
  );
  await chmod(pgbackrestConf, 0o644);
  const pgbackrest = (args: string[]) => as('pgbackrest', [`--config=${pgbackrestConf}`, `--stanza=${stanza}`, ...args]);
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: path.join(dir, 'sock'),
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: stanza ? `pgbackrest --config=${pgbackrestConf} --stanza=${stanza} archive-push %p` : `cp %p ${path.join(dir, 'wal')}/%f`,
    fsync: 'off',
    max_connections: '30',
  };
  const options = Object.entries(settings)
    .map(([k, v]) => `-c ${k}='${v}'`)
    .join(' ');
  await as(path.join(PG_BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <T extends pg.QueryResultRow>(database: string, sql: string) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  if (stanza) await pgbackrest(['stanza-create']);
  return {
    dir,
    port,
    pgbackrestConf,
    pgbackrestBackup: async () => {
      await pgbackrest(['--type=full', 'backup']);
    },
    url,
    query,
    baseBackup: async (name, format = 'plain') => {
      const target = path.join(dir, 'base', name);
      await execa(path.join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', target, `-F${format === 'plain' ? 'p' : 't'}`, '-c', 'fast']);
    },
    archiveNow: async () => {
      const [row] = await query<{ wal: string }>('postgres', 'SELECT pg_walfile_name(pg_switch_wal()) AS wal');
      for (let i = 0; i < 300; i++) {
        const [done] = await query<{ last: string | null }>('postgres', 'SELECT last_archived_wal AS last FROM pg_stat_archiver');
        if (done?.last && done.last >= row!.wal) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`WAL segment ${row!.wal} was not archived within 30 s`);
    },
    stop: async () => {
      await as(path.join(PG_BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
