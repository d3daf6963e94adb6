/**
 * Runs a command against a source as it was at a past time: the source's physical backup is
 * restored and recovered to that time in a throwaway instance (instance.ts), and the command gets
 * a config whose source points at that instance over its private socket. Everything else (tenant
 * discovery, the rows closure, schema and database dumps) is create's own code. The instance is
 * stopped and its directory removed afterwards, on failure and on SIGINT/SIGTERM too.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config, PostgresSourceConfig } from '../config/schema.js';
import type { Context, Progress } from '../context.js';
import { UsageError } from '../errors.js';
import { parsePgUrl } from '../sources/postgres/connection.js';
import { isPostgresSource } from '../sources/postgres/engine.js';
import { instanceDirectory, startRecovered } from './instance.js';
import { preflightRestore } from './preflight.js';
import { openProvider } from './providers.js';
import { logTail, readProgress, replayReporter, watchRestore } from './step-progress.js';
import { parseSegmentName } from './wal-names.js';

const segmentStartLsn = (segment: string, segmentBytes: number) => BigInt(parseSegmentName(segment, segmentBytes)!.segno) * BigInt(segmentBytes);

export function pitrSource(config: Config, name: string): PostgresSourceConfig {
  const source = config.sources[name];
  if (!isPostgresSource(source)) throw new UsageError(`--at: source ${name} is not a PostgreSQL source`, { hint: 'point-in-time restore reads a PostgreSQL physical backup' });
  if (!source.pitr) {
    throw new UsageError(`--at: source ${name} has no pitr setting`, {
      hint: `set sources.${name}.pitr: {"type": "basebackup", "baseBackups": "...", "walArchive": "..."} (docs/pitr.md)`,
    });
  }
  return source;
}

/** `fn` reads the tenant with the config given and reports through the progress given (the tenant read step). */
export async function withRecoveredSource<T>(ctx: Context, name: string, at: Date, fn: (config: Config, progress: Progress) => Promise<T>): Promise<T> {
  const source = pitrSource(ctx.config, name);
  const provider = await openProvider(source.pitr!, { key: `sources.${name}.pitr`, baseDir: ctx.baseDir });
  const live = parsePgUrl(source.url, `sources.${name}.url`);
  const scope = { databases: [live.database] };
  const runTemp = await ctx.tempDir();
  const options = { signal: ctx.signal, log: ctx.log, scratch: runTemp };
  const plan = await provider.plan(at, scope, options);
  const { binDir, wal } = await preflightRestore(provider, plan, at, options);
  const base = await instanceDirectory(runTemp);
  ctx.log.info(`point-in-time: restoring the physical backup (${provider.describe()}) for ${at.toISOString()}; archived WAL reaches ${wal.lastCommitAt}`, {
    event: 'pitr-restore',
    backup: plan.backup,
  });
  let stop = () => Promise.resolve();
  try {
    const copying = watchRestore(ctx.progress, `${base}/data`, plan.restoreBytes);
    const restored = await provider.restoreInto(`${base}/data`, plan, at, scope, options).finally(() => copying.stop());
    ctx.log.info(`point-in-time: replaying WAL from base backup ${restored.backup} to ${at.toISOString()}`, { event: 'pitr-recover' });
    const replay = replayReporter(ctx.progress, segmentStartLsn(plan.walStart, wal.segmentBytes), wal.targetLsn, wal.segmentBytes);
    const tail = logTail(path.join(base, 'server.log'));
    const instance = await startRecovered(base, restored, at, binDir, live.user, ctx.signal, async () => replay.seen(await tail()));
    stop = () => instance.stop();
    replay.end();
    const conn = instance.connection(live.user, live.database);
    const url = `postgres://${encodeURIComponent(conn.user)}@${encodeURIComponent(conn.host)}:${conn.port}/${encodeURIComponent(conn.database)}`;
    // The copy trusts its private socket: no password, no TLS settings of the live server.
    const recovered: PostgresSourceConfig = { ...source, url, password: undefined, passwordFile: undefined };
    const reading = readProgress(ctx.progress);
    const result = await fn({ ...ctx.config, sources: { ...ctx.config.sources, [name]: recovered } }, reading);
    reading.end();
    return result;
  } finally {
    await stop();
    await rm(base, { recursive: true, force: true });
  }
}
