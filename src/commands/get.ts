/**
 * `orgbackup get <archive-id> [-o FILE|-]`: downloads the stored object as it is stored (still
 * encrypted when it was), checked against its sidecar's size and sha256 in the same pass. A file
 * is written beside its destination under a hidden temp name (0600) and renamed into place only
 * when the bytes match, so a damaged download never leaves a file that looks like the archive
 * (exit 5). `-` streams to stdout for piping; there the bytes are out before the end is checked,
 * and the exit status (5) is the only signal, as with any stream consumer.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readSidecar, resolveArchive, type ArchiveListing } from '../archive/catalog.js';
import { encodeTenant } from '../archive/layout.js';
import { HashingStream } from '../archive/hashing.js';
import type { Context } from '../context.js';
import { ExitCode, UsageError, VerificationError, type ExitCodeValue } from '../errors.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import { besidePath } from '../util/beside.js';

export interface GetOptions {
  id: string;
  /** A path, or `-` for stdout; default `<source>-<tenant>-<timestamp>.zip[.age]` in `cwd`. */
  output?: string;
  storage?: string[];
  cwd: string;
  /** Where `-o -` writes. */
  stdout?: Writable;
  json?: boolean;
}

export interface GetResult {
  command: 'get';
  ok: boolean;
  exitCode: ExitCodeValue;
  id: string;
  storage: string;
  /** The file written, or `-` for stdout. */
  output: string;
  size: number;
  sha256: string;
  encrypted: boolean;
}

export async function runGet(options: GetOptions, ctx: Context): Promise<GetResult> {
  if (options.output === '-' && options.json) throw new UsageError('-o - writes the archive to stdout, where --json would write its result too', { hint: 'use -o FILE with --json' });
  if (options.id === 'latest') throw new UsageError('get takes an archive id', { hint: 'see `orgbackup list` for the ids' });
  const { storage, listing } = await findInStorages(options.id, options.storage, ctx);
  const sidecar = await readSidecar(storage, listing.id, ctx.signal);
  const output = options.output === '-' ? '-' : path.resolve(options.cwd, options.output ?? defaultName(listing));
  const hasher = new HashingStream((bytes) => ctx.progress.addBytes(bytes));
  ctx.progress.start('download', 1);
  const body = await storage.get(sidecar.object.key, { signal: ctx.signal });
  if (output === '-') {
    await pipeline(body, hasher, options.stdout!, { signal: ctx.signal, end: false });
    check(hasher, sidecar.object, listing.id, '');
  } else await writeChecked(body, hasher, output, sidecar.object, listing.id, ctx.signal);
  ctx.progress.stop();
  ctx.log.info(`downloaded ${listing.id} from ${storage.name} to ${output === '-' ? 'stdout' : output} (${hasher.bytes} bytes, sha256 matches its sidecar)`, { event: 'get', id: listing.id });
  return { command: 'get', ok: true, exitCode: ExitCode.ok, id: listing.id, storage: storage.name, output, size: hasher.bytes, sha256: hasher.sha256, encrypted: listing.encrypted };
}

/** The first of the selected storages that holds the archive `id` (complete). */
export async function findInStorages(id: string, storages: string[] | undefined, ctx: Context): Promise<{ storage: Storage; listing: ArchiveListing }> {
  let lastError: unknown;
  for (const name of selectStorageNames(ctx.config, storages)) {
    const storage = await ctx.storage(name);
    try {
      return { storage, listing: await resolveArchive(storage, id, { signal: ctx.signal }) };
    } catch (error) {
      if (ctx.signal.aborted || !(error instanceof UsageError)) throw error;
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new UsageError(`archive ${id} not found`, { hint: 'check the id with `orgbackup list` (and --storage)' });
}

function defaultName(listing: ArchiveListing): string {
  return `${listing.ref.source}-${encodeTenant(listing.ref.tenant)}-${listing.ref.timestamp}${listing.encrypted ? '.zip.age' : '.zip'}`;
}

/** Temp file beside the destination, then a link that never replaces an existing file. */
async function writeChecked(body: NodeJS.ReadableStream, hasher: HashingStream, output: string, object: { size: number; sha256: string }, id: string, signal: AbortSignal): Promise<void> {
  const temp = besidePath(output, 'get', randomBytes(4).toString('hex'));
  try {
    await pipeline(body, hasher, createWriteStream(temp, { flags: 'wx', mode: 0o600 }), { signal });
    check(hasher, object, id, '; the partial download was deleted');
    await link(temp, output).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new UsageError(`${output} already exists; get never overwrites a file`, { hint: 'remove it or choose another name with -o' });
      throw error;
    });
  } finally {
    await rm(temp, { force: true });
  }
}

function check(hasher: HashingStream, object: { size: number; sha256: string }, id: string, after: string): void {
  if (hasher.bytes !== object.size || hasher.sha256 !== object.sha256) {
    throw new VerificationError(
      `archive ${id}: the downloaded object (${hasher.bytes} bytes) does not match its sidecar (${object.size} bytes${hasher.bytes === object.size ? ', sha256 differs' : ''})${after}`,
      {
        hint: 'the stored object is damaged or was replaced; verify it with `orgbackup verify <id>` and use another archive',
      },
    );
  }
}
