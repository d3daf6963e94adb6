/**
 * The throwaway PostgreSQL instance a point-in-time restore reads the tenant from: the physical
 * copy in a private directory, started with its own settings on the command line (they win over
 * anything the copy's postgresql.auto.conf says), a Unix socket in a 0700 directory and no TCP,
 * WAL archiving off (the copy must never write into production's WAL archive), recovered to the
 * target time and promoted. Run as the current user, or as `postgres` when root (the server
 * refuses root). `stop()` kills it and removes the directory; a run killed with SIGKILL leaves it
 * in its private temp directory, which the next run removes (cli/temp-dirs.ts), and a postmaster
 * whose directory is gone shuts itself down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, chown, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../exec.js';
import { ExitCode, OrgbackupError } from '../errors.js';
import type { PgConnection } from '../sources/postgres/connection.js';
import { withPgClient } from '../sources/postgres/connection.js';
import type { PhysicalRestore } from './types.js';

export interface RecoveredInstance {
  /** A connection over the private socket (trust: only this user can enter the directory). */
  connection(user: string, database: string): PgConnection;
  stop(): Promise<void>;
}

const PORT = 5432;

/** Server binaries of a major: ORGBACKUP_PG_BINDIR (tests, other layouts), else Debian's place. */
export async function serverBinaries(major: string): Promise<string> {
  const dir = process.env.ORGBACKUP_PG_BINDIR ?? `/usr/lib/postgresql/${major}/bin`;
  // Both are run: the server on the copy, pg_waldump by the preflight (WAL's format changes between majors).
  const missing: Record<string, string> = { postgres: 'no PostgreSQL server binaries are', pg_waldump: 'no pg_waldump is' };
  for (const [tool, absent] of Object.entries(missing)) {
    const version = await runTool(path.join(dir, tool), ['--version']).catch(() => '');
    const found = /\(PostgreSQL\) (\d+)/.exec(version)?.[1];
    if (found === major) continue;
    throw new OrgbackupError(`the physical backup is PostgreSQL ${major}, and ${found ? `${dir}/${tool} is PostgreSQL ${found}` : `${absent} in ${dir}`}`, ExitCode.preflight, {
      hint: `install the server of that major (Debian: apt-get install postgresql-${major}), or set ORGBACKUP_PG_BINDIR to its bin directory`,
    });
  }
  return dir;
}

/** Recovery to `at` of the copy in `base`/data; resolves once the instance is promoted. */
/** `poll` runs about every 200 ms while recovery goes on (replay progress). */
export async function startRecovered(
  base: string,
  restored: PhysicalRestore,
  at: Date,
  binDir: string,
  user: string,
  signal: AbortSignal,
  poll: () => Promise<void> = async () => {},
): Promise<RecoveredInstance> {
  const data = path.join(base, 'data');
  const socket = path.join(base, 'socket');
  await mkdir(socket, { mode: 0o700 });
  await rm(path.join(data, 'standby.signal'), { force: true });
  await rm(path.join(data, 'postmaster.pid'), { force: true });
  await writeFile(path.join(data, 'recovery.signal'), '');
  await writeFile(path.join(base, 'postgresql.conf'), '# orgbackup point-in-time restore: settings are on the command line\n');
  await writeFile(path.join(base, 'pg_hba.conf'), 'local all all trust\n');
  const owner = await serverUser();
  if (owner) await runTool('chown', ['-R', `${owner.uid}:${owner.gid}`, base]);
  await chmod(data, 0o700);
  const settings: Record<string, string> = {
    config_file: path.join(base, 'postgresql.conf'),
    hba_file: path.join(base, 'pg_hba.conf'),
    listen_addresses: '',
    unix_socket_directories: socket,
    port: String(PORT),
    archive_mode: 'off',
    hot_standby: 'off',
    primary_conninfo: '',
    restore_command: restored.restoreCommand,
    // PostgreSQL's own timestamptz input: it does not read the ISO 'T' and 'Z' forms here.
    recovery_target_time: at.toISOString().replace('T', ' ').replace('Z', '+00'),
    recovery_target_action: 'promote',
    recovery_target_timeline: 'latest',
    fsync: 'off',
    max_connections: '20',
    shared_preload_libraries: '',
    logging_collector: 'off',
  };
  const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const log = await open(path.join(base, 'server.log'), 'a');
  const postgres = path.join(binDir, 'postgres');
  const child = owner
    ? spawn('setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups', '--', postgres, ...args], { stdio: ['ignore', log.fd, log.fd] })
    : spawn(postgres, args, { stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined);
  const instance = instanceOf(child, exited, base, socket);
  try {
    await waitForPromotion(instance, exited, base, at, user, signal, poll);
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}

function instanceOf(child: ChildProcess, exited: Promise<number | null>, base: string, socket: string): RecoveredInstance {
  let stopped: Promise<void> | undefined;
  return {
    connection: (user, database) => ({ host: socket, port: PORT, user, database, params: {} }),
    stop: () =>
      (stopped ??= (async () => {
        // Immediate shutdown: the copy is thrown away, nothing in it needs to be durable.
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await rm(base, { recursive: true, force: true });
      })()),
  };
}

async function waitForPromotion(instance: RecoveredInstance, exited: Promise<number | null>, base: string, at: Date, user: string, signal: AbortSignal, poll: () => Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  // template1 is in every cluster; the tenant's database may not be.
  const conn = instance.connection(user, 'template1');
  for (;;) {
    signal.throwIfAborted();
    if (gone) throw await recoveryFailure(base, at);
    const inRecovery = await withPgClient(conn, async (client) => (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r).catch(() => undefined);
    await poll();
    if (inRecovery === false) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Why the instance stopped during recovery, from its log, as the operator's error. */
async function recoveryFailure(base: string, at: Date): Promise<OrgbackupError> {
  const log = await readFile(path.join(base, 'server.log'), 'utf8').catch(() => '');
  const when = at.toISOString();
  if (/recovery ended before configured recovery target was reached/.test(log)) {
    return new OrgbackupError(`the archived WAL does not reach ${when}: recovery ran out of WAL before that time (the archive ends earlier, or a segment is missing)`, ExitCode.preflight, {
      hint: 'choose an earlier --at, or check that archive_command has archived every segment up to that time (a gap stops replay at the gap)',
    });
  }
  if (/before consistent recovery point/.test(log)) {
    return new OrgbackupError(`${when} falls inside the base backup chosen: recovery cannot stop before that backup ended`, ExitCode.preflight, {
      hint: 'choose a time after the backup finished, or keep an older base backup',
    });
  }
  const fatal = log
    .split('\n')
    .filter((l) => /FATAL|PANIC/.test(l))
    .slice(-2)
    .join(' / ');
  return new OrgbackupError(`the recovered copy did not start: ${fatal || 'the server stopped during recovery'}`, ExitCode.failed, { hint: `its log was ${path.join(base, 'server.log')}` });
}

/** The account the server runs as: none (the current user) unless root, then `postgres`. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new OrgbackupError('running as root, and there is no postgres user to run the recovered copy as (PostgreSQL refuses root)', ExitCode.preflight, {
      hint: 'run orgbackup as the database user, or create a postgres user',
    });
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The instance's directory, inside the run's private temp dir; the postgres user must be able to reach it when root. */
export async function instanceDirectory(runTemp: string): Promise<string> {
  const base = path.join(runTemp, `pitr-${process.pid}`);
  await mkdir(path.join(base, 'data'), { recursive: true, mode: 0o700 });
  const owner = await serverUser();
  if (owner) {
    // Traverse only: the run's other files keep their own 0600 modes and names cannot be listed.
    await chmod(runTemp, 0o711);
    await chown(base, owner.uid, owner.gid);
  }
  await access(base);
  return base;
}
