/**
 * Local (or mounted) directory storage. put writes a temp file in the destination directory,
 * fsyncs it, hard-links it to the final name (which fails if the name exists: never overwrite,
 * atomically) and fsyncs the directory, and the parent of any directory it created, in a group
 * commit with the other puts under way (dir-sync.ts): put resolves once the name is durable.
 * Files are 0600 and created directories 0700 whatever the umask, because archives hold every
 * tenant's data.
 */
import { close, createReadStream, createWriteStream, fchmod, fsync, open as openCallback, write, type Dir, type WriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { chmod, link, mkdir, opendir, readFile, rename, rmdir, stat, unlink, access } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, NotFoundError, StorageError, assertSafeKey, type ObjectInfo, type Storage, type StorageOptions } from './types.js';
import { pauseAt } from '../util/test-hooks.js';
import { syncDirectory } from '../util/sync-directory.js';
import { DirectorySync } from './dir-sync.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
const TEMP_MARK = '.tmp-';
const READ_CHUNK = 1024 * 1024;
/** Rounds a put makes its directory again when concurrent deletes keep removing it (each round needs one more delete to win). */
const CREATE_ATTEMPTS = 10;

const openFd = promisify(openCallback);
const fchmodFd = promisify(fchmod);
const fsyncFd = promisify(fsync);
const writeFd = promisify(write);
const closeFd = promisify(close);

export class LocalStorage implements Storage {
  readonly type = 'local';
  readonly location: string;
  /** Directory fsyncs of concurrent puts, made in rounds (one per directory per round). */
  private readonly directories: DirectorySync;

  constructor(
    readonly name: string,
    readonly root: string,
  ) {
    this.location = root;
    this.directories = new DirectorySync(syncDirectory, name);
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Readable | Buffer, options: StorageOptions = {}): Promise<{ size: number }> {
    const final = this.pathOf(key);
    const dir = path.dirname(final);
    const temp = path.join(dir, `.${path.basename(final)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
    const { fd, created } = await createInDirectory(dir, temp).catch((error: unknown) => {
      throw this.wrap(error, `cannot create a file in ${dir}`);
    });
    // The write stream borrows the descriptor (autoClose off) but closes it itself when a failure
    // destroys it. The descriptor must be closed exactly once: a second close could hit the same
    // number reopened meanwhile by another tenant's file or pipe.
    let stream: WriteStream | undefined;
    let writeFailure: unknown;
    let fdOpen = true;
    try {
      await fchmodFd(fd, FILE_MODE);
      let size: number;
      // A small body (a sidecar) is written straight to the descriptor: a stream per sidecar costs
      // more than the write, thousands of times in a run over many tenants.
      if (Buffer.isBuffer(body) && !options.signal?.aborted) {
        size = await writeWhole(fd, body).catch((error: unknown) => {
          throw this.wrap(error, `cannot write ${key}`);
        });
      } else {
        stream = createWriteStream('', { fd, autoClose: false, highWaterMark: READ_CHUNK });
        // A failed write (a full disk, a quota) is this storage's, said with its name and a fix; a
        // failure of the body (the dump behind it) passes through as it is.
        stream.once('error', (e) => (writeFailure = e));
        await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, stream, { signal: options.signal });
        size = stream.bytesWritten;
      }
      await fsyncFd(fd).catch((error: unknown) => {
        throw this.wrap(error, `cannot write ${key}`);
      });
      fdOpen = false;
      await closeFd(fd);
      await pauseAt('local-commit', key, options.signal, this.name);
      await commitWithoutOverwrite(temp, final).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(this.name, key);
        throw this.wrap(error, `cannot commit ${key}`);
      });
      // The new name, and the names of the directories this put created, made durable together.
      await Promise.all([dir, ...created.map((d) => path.dirname(d))].map((d) => this.directories.sync(d, options.signal))).catch((error: unknown) => {
        throw this.wrap(error, `cannot commit ${key}`);
      });
      return { size };
    } catch (error) {
      if (fdOpen && stream?.destroyed) {
        if (!stream.closed) await new Promise<void>((resolve) => stream?.once('close', () => resolve()));
      } else if (fdOpen) await closeFd(fd).catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      // pipeline also destroys the write stream with the body's error: only a failed write()/writev() is ours.
      throw error === writeFailure && /^write/.test((error as NodeJS.ErrnoException).syscall ?? '') ? this.wrap(error, `cannot write ${key}`) : error;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    await access(file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(this.name, key);
      throw this.wrap(error, `cannot read ${key}`);
    });
    return createReadStream(file, { highWaterMark: READ_CHUNK });
  }

  async getBuffer(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(this.name, key);
      throw this.wrap(error, `cannot read ${key}`);
    });
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk the deepest directory the prefix names, then filter by the rest of the prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    for await (const info of this.walk(dirKey)) if (info.key.startsWith(prefix)) yield info;
  }

  /**
   * The directory's entries are read as a stream (opendir, a few dozen at a time), not with one
   * readdir: a source's directory holds one subdirectory per tenant, and 100,000 Dirents held for
   * the whole walk were tens of MB (issue 19). Subdirectories are walked where they are met.
   */
  private async *walk(dirKey: string, includeTemp = false): AsyncGenerator<ObjectInfo> {
    const dir = dirKey ? this.pathOf(dirKey) : this.root;
    let handle: Dir;
    try {
      handle = await opendir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A storage never written to holds nothing; one whose root is a file is broken, not empty.
      const broken =
        code === 'ENOTDIR' &&
        !(await stat(this.root).then(
          (info) => info.isDirectory(),
          () => true,
        ));
      if ((code === 'ENOENT' || code === 'ENOTDIR') && !broken) return;
      throw this.wrap(error, `cannot list ${dir}`);
    }
    // The iterator closes the directory when the loop ends, also when the caller stops early.
    for await (const entry of handle) {
      const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
      if (entry.isDirectory()) yield* this.walk(key, includeTemp);
      else if (entry.isFile() && includeTemp === entry.name.includes(TEMP_MARK)) {
        const info = await stat(path.join(dir, entry.name)).catch(() => undefined);
        if (info) yield { key, size: info.size, modified: info.mtime };
      }
    }
  }

  /** Removes the file, then the directories it leaves empty (a forgotten tenant leaves no trace of its id behind). */
  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await unlink(file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.wrap(error, `cannot delete ${key}`);
    });
    await removeEmptyDirectories(path.dirname(file), this.root);
  }

  async cleanupIncomplete(olderThan: Date): Promise<number> {
    let removed = 0;
    for await (const temp of this.walk('', true)) {
      if (temp.modified < olderThan) {
        await unlink(this.pathOf(temp.key)).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  private wrap(error: unknown, what: string): StorageError {
    const err = error as NodeJS.ErrnoException;
    // A list or a read that is refused is about reading: "not writable" there sends the operator the wrong way.
    const access = /^cannot (list|read)/.test(what) ? 'readable' : 'writable';
    const hints: Record<string, string> = {
      EACCES: `run \`orgbackup preflight\`: the storage path ${this.root} is not ${access} by uid ${process.getuid?.() ?? '?'}`,
      EROFS: `${this.root} is on a read-only filesystem; mount it read-write or choose another path`,
      ENOSPC: `the filesystem holding ${this.root} is full; free space or prune old archives`,
      EDQUOT: `the disk quota of uid ${process.getuid?.() ?? '?'} on ${this.root} is used up; free space, prune old archives or raise the quota`,
      ENOTDIR: `a file stands where a directory of ${this.root} should be`,
    };
    return new StorageError(`storage "${this.name}": ${what}: ${err.code ?? err.message}`, hints[err.code ?? ''], error);
  }
}

/**
 * Removes `dir` and its parents while they are empty, stopping below `root` (never removed). A
 * directory that is not empty (another archive, or a put that just created its temp file in it)
 * makes rmdir fail with ENOTEMPTY, which ends the walk: nothing else is ever removed.
 */
export async function removeEmptyDirectories(dir: string, root: string): Promise<void> {
  const top = path.resolve(root);
  for (let current = path.resolve(dir); current !== top && current.startsWith(`${top}${path.sep}`); current = path.dirname(current)) {
    const removed = await rmdir(current).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}

/**
 * Opens a new file in `dir`, creating the directory first. A concurrent delete may remove a
 * directory (empty for an instant) between any two steps: after it is made and before the open,
 * or while its parents are made or chmodded. Such a step fails with ENOENT and the walk starts
 * again, a few times at most (each round needs another delete to win the race).
 */
async function createInDirectory(dir: string, file: string): Promise<{ fd: number; created: string[] }> {
  const created: string[] = [];
  const removedUnderUs = (error: unknown, attempt: number) => (error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < CREATE_ATTEMPTS;
  // The directory usually exists (a tenant's earlier archive, or this archive's object for its
  // sidecar): the open is tried first, and only a missing directory costs the walk up.
  for (let attempt = 1; ; attempt++) {
    try {
      return { fd: await openFd(file, 'wx', FILE_MODE), created };
    } catch (error) {
      if (!removedUnderUs(error, attempt)) throw error;
    }
    try {
      await ensureDirectory(dir, created);
    } catch (error) {
      if (!removedUnderUs(error, attempt)) throw error;
    }
  }
}

/**
 * Creates missing directories with mode 0700 (mkdir's mode is masked by the umask; chmod is not).
 * Adds the directories that were missing to `missing` before making them (one another put created
 * at the same time counts: its parent's fsync may not have run yet), so a round a racing delete
 * cuts short still reports what it made.
 */
export async function ensureDirectory(dir: string, missing: string[]): Promise<void> {
  const found: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      found.unshift(current);
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  missing.push(...found);
  for (const created of found) {
    await mkdir(created, { mode: DIR_MODE }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
    await chmod(created, DIR_MODE);
  }
}

async function writeWhole(fd: number, data: Buffer): Promise<number> {
  for (let at = 0; at < data.length;) at += (await writeFd(fd, data, at, data.length - at, at)).bytesWritten;
  return data.length;
}

async function commitWithoutOverwrite(temp: string, final: string): Promise<void> {
  try {
    await link(temp, final);
    await unlink(temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Filesystems without hard links (some FUSE and SMB mounts): check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (
      await stat(final).then(
        () => true,
        () => false,
      )
    )
      throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await rename(temp, final);
  }
}
