/**
 * A pg_restore of an archive entry that commits only what was verified: pg_restore turns the dump
 * into an SQL script (`--file=-`) that psql runs inside ONE explicit transaction, between a
 * preamble and a postamble the caller gives (BEGIN ... COMMIT, or schema mode's swap). The
 * postamble, and so the COMMIT, is sent only after pg_restore has succeeded AND the entry's bytes
 * have matched the manifest's sha256 to their last byte: the bytes loaded are the bytes verified,
 * whatever the storage serves on this second read. Any failure ends the session without COMMIT,
 * so the server rolls everything back.
 */
import { Readable } from 'node:stream';
import { runTool, spawnTool } from '../../exec.js';
import { compressionOfEntry, decompress } from '../compression.js';
import { resolvePgTool } from '../tools.js';
import type { RestoreContext } from '../types.js';
import { verifiedEntry } from '../verified-entry.js';
import { pgDbnameArg, pgToolEnv, type PgConnection } from './connection.js';
import { devNull } from '../../util/streams.js';
import { withoutCleanStatements } from './clean-filter.js';

export interface ScriptRestore {
  /** The entry: its name (for the compression) and body (hashed as it is read). */
  entry: { name: string; body: AsyncIterable<Buffer> };
  /** Extra pg_restore options (e.g. --clean --if-exists). */
  pgRestoreArgs?: string[];
  /** Statements of the clean phase to leave out (clean-filter.ts). */
  skipCleanStatements?: ReadonlySet<string>;
  preamble: string;
  postamble: string;
}

export async function runRestoreScript(conn: PgConnection, tools: Record<string, string>, restore: ScriptRestore, ctx: RestoreContext): Promise<void> {
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const env = await pgToolEnv(conn, ctx.tempDir);
  const [pgRestore, psql] = await Promise.all([resolvePgTool('pg_restore', tools), resolvePgTool('psql', tools)]);
  const checked = verifiedEntry(restore.entry.body);
  const plain = await decompress(checked.stream, compressionOfEntry(restore.entry.name), signal);
  const restored = spawnTool(pgRestore.file, [...(restore.pgRestoreArgs ?? []), '--file=-', '--exit-on-error'], { input: plain.stdout, signal });
  async function* script(): AsyncGenerator<Buffer> {
    yield Buffer.from(restore.preamble);
    for await (const chunk of withoutCleanStatements(restored.stdout as AsyncIterable<Buffer>, restore.skipCleanStatements ?? new Set())) yield chunk;
    // The digest of every byte pg_restore read, confirmed before COMMIT can be sent.
    await Promise.all([restored.done, plain.done, checked.done]);
    yield Buffer.from(restore.postamble);
  }
  const psqlArgs = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--no-password', pgDbnameArg(conn.database)];
  try {
    await Promise.all([runTool(psql.file, psqlArgs, { input: Readable.from(script()), env, signal, stdout: devNull() }), restored.done, plain.done, checked.done]);
  } catch (error) {
    // Without COMMIT the session's transaction dies with it: the target stays as it was.
    stop.abort();
    throw checked.rootCause(error);
  }
}
