/**
 * Any rclone remote (Google Drive, OneDrive, Dropbox, SFTP, WebDAV, B2, Azure...) through the
 * rclone binary. How the contract of storage/types.ts is kept:
 *
 * - atomic put: `rcat` streams into a temp name beside the key (`.<name>.tmp-<pid>-<random>`),
 *   then `moveto` gives it its name (a server-side move or rename on every remote that has one).
 *   A half-uploaded object therefore never carries an archive's name; temp names are not listed
 *   and cleanupIncomplete removes those left by killed runs;
 * - never overwrite: a stat fails fast, and `moveto --ignore-existing` refuses to replace an object
 *   that appeared meanwhile (the temp is then still there, which is how that case is detected).
 *   rclone has no conditional create, so two writers racing on one name between that check and the
 *   move is the remote's own guarantee; archive ids carry millisecond timestamps;
 * - list runs `lsjson -R --files-only` on the deepest directory of the prefix and reads its output
 *   entry by entry as rclone pages through the remote (rclone-lsjson.ts), filtering by the rest of
 *   the prefix; a caller that stops early stops rclone.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import type { RcloneStorageConfig } from '../config/schema.js';
import { rclone, rcloneExitCode, rcloneStream, RCLONE_DIR_NOT_FOUND, RCLONE_FILE_NOT_FOUND, type RcloneRunner } from './rclone-cli.js';
import { lsjsonEntries } from './rclone-lsjson.js';
import { AlreadyExistsError, NotFoundError, assertSafeKey, type ObjectInfo, type Storage, type StorageOptions } from './types.js';
import { ByteCounter } from '../util/byte-counter.js';

const TEMP_MARK = '.tmp-';

/** A temp file of a put that has not finished (never an object of the contract). */
function isTemp(key: string): boolean {
  return key.split('/').pop()!.includes(TEMP_MARK);
}

export function isNotFound(error: unknown): boolean {
  const code = rcloneExitCode(error);
  return code === RCLONE_DIR_NOT_FOUND || code === RCLONE_FILE_NOT_FOUND;
}

export class RcloneStorage implements Storage {
  readonly type = 'rclone';
  readonly location: string;
  readonly runner: RcloneRunner;

  constructor(
    readonly name: string,
    config: RcloneStorageConfig,
    baseDir: string,
  ) {
    this.location = config.remote;
    this.runner = {
      storage: name,
      remote: config.remote,
      binary: 'rclone',
      ...(config.configFile ? { configFile: path.resolve(baseDir, config.configFile) } : {}),
    };
  }

  /** `remote:path/key`, whatever form the configured remote has (`r:`, `r:dir`, `r:dir/`). */
  remotePath(key: string): string {
    if (key === '') return this.location;
    const root = this.location;
    return root.endsWith(':') || root.endsWith('/') ? `${root}${key}` : `${root}/${key}`;
  }

  async put(key: string, body: Readable | Buffer, options: StorageOptions = {}): Promise<{ size: number }> {
    assertSafeKey(key);
    if (await this.exists(key, options)) {
      if (!Buffer.isBuffer(body)) body.destroy();
      throw new AlreadyExistsError(this.name, key);
    }
    const slash = key.lastIndexOf('/');
    const tempKey = `${key.slice(0, slash + 1)}.${key.slice(slash + 1)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    const local = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, local.signal]) : local.signal;
    const counter = new ByteCounter({ highWaterMark: 1024 * 1024 });
    let bodyError: Error | undefined;
    if (!Buffer.isBuffer(body)) {
      // rcat cannot tell a finished stream from a broken one: a body that fails stops rcat first.
      body.once('error', (error) => {
        bodyError = error;
        local.abort(error);
      });
      body.pipe(counter);
    }
    try {
      await rclone(this.runner, ['rcat', this.remotePath(tempKey)], { input: Buffer.isBuffer(body) ? body : counter, signal });
      await rclone(this.runner, ['moveto', '--ignore-existing', this.remotePath(tempKey), this.remotePath(key)], { signal });
      if (await this.exists(tempKey, options)) throw new AlreadyExistsError(this.name, key);
      return { size: Buffer.isBuffer(body) ? body.length : counter.bytes };
    } catch (error) {
      if (!Buffer.isBuffer(body)) body.destroy();
      // Not under the run's signal: the temp object must go even when the run is interrupted.
      await rclone(this.runner, ['deletefile', this.remotePath(tempKey)]).catch(() => undefined);
      if (bodyError) throw bodyError;
      if (options.signal?.aborted && options.signal.reason instanceof Error) throw options.signal.reason;
      throw error;
    }
  }

  async get(key: string, options: StorageOptions = {}): Promise<Readable> {
    assertSafeKey(key);
    if (!(await this.exists(key, options))) throw new NotFoundError(this.name, key);
    const child = rcloneStream(this.runner, ['cat', this.remotePath(key)], options.signal ? { signal: options.signal } : {});
    // The stream ends only once rclone has exited cleanly: a read cut short must not look complete.
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    child.stdout.pipe(out, { end: false });
    const ended = new Promise<void>((resolve) => child.stdout.once('end', resolve));
    Promise.all([child.done, ended]).then(
      () => out.end(),
      (error: Error) => out.destroy(error),
    );
    return out;
  }

  async getBuffer(key: string, options: StorageOptions = {}): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key, options)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async exists(key: string, options: StorageOptions = {}): Promise<boolean> {
    assertSafeKey(key);
    try {
      await rclone(this.runner, ['lsjson', '--stat', '--no-mimetype', this.remotePath(key)], options.signal ? { signal: options.signal } : {});
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async *list(prefix: string, options: StorageOptions = {}): AsyncIterable<ObjectInfo> {
    for await (const entry of this.objects(prefix, options)) {
      if (!isTemp(entry.key)) yield entry;
    }
  }

  /** Every object under the prefix, temp files of unfinished puts included, as rclone lists them. */
  private async *objects(prefix: string, options: StorageOptions): AsyncGenerator<ObjectInfo> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    if (dirKey) assertSafeKey(dirKey);
    const base = dirKey ? `${dirKey}/` : '';
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const child = rcloneStream(this.runner, ['lsjson', '-R', '--files-only', '--no-mimetype', this.remotePath(dirKey)], { signal });
    let finished = false;
    try {
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      for await (const entry of lsjsonEntries(lines, `storage "${this.name}" (${this.runner.remote})`)) {
        const key = base + entry.Path;
        if (entry.IsDir || !key.startsWith(prefix)) continue;
        yield { key, size: entry.Size, modified: new Date(entry.ModTime) };
      }
      finished = true;
      await child.done;
    } catch (error) {
      // A missing directory holds no objects (rclone printed "[" and exited 3).
      if (!isNotFound(error)) throw error;
    } finally {
      if (!finished) {
        // The caller stopped early, or the output was refused: stop rclone, whose exit no one awaits now.
        child.done.catch(() => undefined);
        stop.abort();
      }
    }
  }

  async delete(key: string, options: StorageOptions = {}): Promise<void> {
    assertSafeKey(key);
    if (!(await this.exists(key, options))) return;
    try {
      await rclone(this.runner, ['deletefile', this.remotePath(key)], options.signal ? { signal: options.signal } : {});
    } catch (error) {
      if (!isNotFound(error) && (await this.exists(key, options))) throw error;
    }
  }

  /** Removes temp objects of puts that never finished (killed runs), older than `olderThan`. */
  async cleanupIncomplete(olderThan: Date, options: StorageOptions = {}): Promise<number> {
    // Collected first, deleted after: the listing is not changed while rclone still walks it.
    const stale: string[] = [];
    for await (const entry of this.objects('', options)) if (isTemp(entry.key) && entry.modified < olderThan) stale.push(entry.key);
    for (const key of stale) await rclone(this.runner, ['deletefile', this.remotePath(key)], options.signal ? { signal: options.signal } : {});
    return stale.length;
  }
}
