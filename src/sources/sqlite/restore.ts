/**
 * Restores a SQLite database file: the archived copy is decompressed into a temp file beside the
 * target, checked with `PRAGMA integrity_check`, then renamed over the target. The target's old
 * -wal/-shm/-journal files are moved aside with it: a stale WAL left next to the new file would
 * be replayed into it and corrupt it. Any failure puts the old files back. Applications that
 * hold the database open must be stopped first (or restore to --target and swap yourself).
 */
import { createWriteStream } from 'node:fs';
import { chmod, chown, lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { OrgbackupError, ExitCode, DAMAGED_ARCHIVE_HINT } from '../../errors.js';
import type { RestoreContext } from '../types.js';
import { checkedEntryStream } from '../../archive/reader.js';
import { compressionOfEntry, decompress } from '../compression.js';
import { checkIntegrity } from './cli.js';
import { besidePath } from '../../util/beside.js';

/** sqlite3 names a database's journal `<file>-journal`: room for it beside a staging name. */
const SQLITE_RESERVE = '-journal'.length;

export const SQLITE_ENTRY = 'db.sqlite';
const COMPANIONS = ['-wal', '-shm', '-journal'];

/** Writes the archive's database entry to `staging`; throws when the archive holds none. */
async function extractEntry(ctx: RestoreContext, staging: string): Promise<void> {
  for await (const entry of ctx.entries) {
    if (!entry.name.startsWith(SQLITE_ENTRY)) continue;
    const body = checkedEntryStream(entry.body);
    const plain = await decompress(body.stream, compressionOfEntry(entry.name), ctx.signal);
    await Promise.all([pipeline(plain.stdout, createWriteStream(staging, { flags: 'wx', mode: 0o600 }), { signal: ctx.signal }), plain.done, body.done]);
    return;
  }
  throw new OrgbackupError(`archive ${ctx.sidecar.id} holds no ${SQLITE_ENTRY} entry`, ExitCode.verification, { hint: DAMAGED_ARCHIVE_HINT });
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

async function removeWithCompanions(file: string): Promise<void> {
  await Promise.all([file, ...COMPANIONS.map((s) => file + s)].map((f) => rm(f, { force: true })));
}

/** Moves the target and its companions aside; returns the moves made, to undo or clean up. */
async function moveAside(target: string, tag: string): Promise<[string, string][]> {
  const moves: [string, string][] = [];
  for (const suffix of ['', ...COMPANIONS]) {
    const from = target + suffix;
    if (!(await exists(from))) continue;
    const to = besidePath(target, 'old', tag, suffix, SQLITE_RESERVE - suffix.length);
    await rename(from, to);
    moves.push([from, to]);
  }
  return moves;
}

export async function restoreSqliteFile(sqlite3: string, target: string, ctx: RestoreContext): Promise<void> {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw notWritable(dir, error);
  });
  const tag = randomBytes(4).toString('hex');
  const staging = besidePath(target, 'restore', tag, '', SQLITE_RESERVE);
  let moves: [string, string][] = [];
  try {
    await extractEntry(ctx, staging).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EACCES' || error.code === 'EROFS' ? notWritable(dir, error) : error;
    });
    await checkIntegrity(sqlite3, staging, `the restored copy of ${ctx.sidecar.id}`, ctx.signal);
    const previous = await stat(target).catch(() => undefined);
    if (previous && (process.getuid?.() ?? -1) === 0) await chown(staging, previous.uid, previous.gid);
    await chmod(staging, restoredMode(ctx, previous));
    moves = await moveAside(target, tag);
    await rename(staging, target);
  } catch (error) {
    await removeWithCompanions(staging);
    for (const [from, to] of moves.reverse()) await rename(to, from).catch(() => undefined);
    throw error;
  }
  await removeWithCompanions(staging);
  await Promise.all(moves.map(([, to]) => rm(to, { force: true })));
}

/**
 * The archived permission bits (never setuid/setgid/sticky); archives made before modes were
 * recorded keep the replaced file's, and a new file is 0600: a database is private by default.
 */
function restoredMode(ctx: RestoreContext, previous: { mode: number } | undefined): number {
  const recorded = ctx.sidecar.entries.find((e) => e.name.startsWith(SQLITE_ENTRY))?.mode;
  return (recorded ?? previous?.mode ?? 0o600) & 0o777;
}

function notWritable(dir: string, error: NodeJS.ErrnoException): OrgbackupError {
  return new OrgbackupError(`cannot restore into ${dir}: ${error.code ?? error.message}`, ExitCode.failed, {
    hint: `make ${dir} writable by uid ${process.getuid?.() ?? '?'}, or restore elsewhere with --target <file>`,
  });
}
