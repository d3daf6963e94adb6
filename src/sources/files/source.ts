/**
 * The files source: a directory (mode `none`) or one subdirectory per tenant (mode `directory`).
 * Regular files go into the archive as `files/<relative path>`; symlinks and special files are
 * skipped with a warning (they would let a restore write outside the target). A restore extracts
 * into a temp directory beside the target and then swaps it in, so a failure changes nothing.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, opendir, readdir, rename, rm, stat, statfs, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { FilesSourceConfig } from './config.js';
import { OrgbackupError, ExitCode, UsageError, DAMAGED_ARCHIVE_HINT } from '../../errors.js';
import { ALL_TENANT, applyExclude, type DumpContext, type DumpResult, type RestoreContext, type RestoreResult, type Source, type Tenant } from '../types.js';
import type { Logger } from '../../context.js';
import type { ManifestEntry, Sidecar } from '../../archive/manifest.js';
import { assertNoCollidingPaths, FILES_PREFIX, FileEntryNames, restorePath } from './names.js';
import { besidePath } from '../../util/beside.js';
import { formatBytes } from '../../util/bytes.js';
import { isScratchUrl, type Scratch, type ScratchRequest } from '../scratch.js';
import { pauseAt } from '../../util/test-hooks.js';

export class FilesSource implements Source {
  readonly type = 'files';
  readonly mode: string;
  readonly root: string;

  constructor(
    readonly name: string,
    readonly config: FilesSourceConfig,
    baseDir: string,
  ) {
    this.mode = config.tenants.mode;
    this.root = path.resolve(baseDir, config.path);
  }

  /** A tenant is one directory right under the root: an id that would leave it is refused. */
  tenantDir(tenant: Tenant): string {
    if (this.mode === 'none') return this.root;
    const dir = path.join(this.root, tenant.id);
    if (path.dirname(dir) !== this.root || tenant.id.startsWith('.') || tenant.id.includes('\0')) {
      throw new UsageError(`files source "${this.name}": tenant id "${tenant.id}" is not a directory name under ${this.root}; nothing was read or changed`, {
        hint: 'tenants of a files source are the subdirectories of its path (see `orgbackup list`)',
      });
    }
    return dir;
  }

  async discoverTenants(): Promise<Tenant[]> {
    if (this.mode === 'none') return [{ id: ALL_TENANT }];
    // Streamed (opendir): a directory per tenant, and 100,000 Dirents held at once cost tens of MB (issue 19).
    const dirs: Tenant[] = [];
    try {
      for await (const e of await opendir(this.root)) if (e.isDirectory() && !e.name.startsWith('.')) dirs.push({ id: e.name });
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new OrgbackupError(`files source "${this.name}": cannot read ${this.root}: ${code ?? message}`, ExitCode.failed, {
        hint: 'check the source path and that this user may read it',
      });
    }
    dirs.sort((a, b) => a.id.localeCompare(b.id));
    return applyExclude(dirs, this.config.tenants.exclude);
  }

  async tenantExists(tenant: Tenant): Promise<boolean> {
    return stat(this.tenantDir(tenant)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  async dump(tenant: Tenant, ctx: DumpContext): Promise<DumpResult> {
    const dir = this.tenantDir(tenant);
    let files = 0;
    let bytes = 0;
    const names = new FileEntryNames();
    for await (const rel of walkFiles(dir, ctx.log)) {
      const file = path.join(dir, ...rel.split('/'));
      const info = await stat(file);
      const { name, path: recordedPath } = names.next(rel);
      const entry = await ctx.writer.addEntry(name, createReadStream(file, { highWaterMark: 1024 * 1024 }), {
        mode: info.mode,
        mtime: info.mtime,
        ...(recordedPath !== undefined ? { path: recordedPath } : {}),
      });
      files++;
      bytes += entry.size;
      // Inert outside tests: holds the dump with an entry written, for the SIGTERM conformance case.
      await pauseAt('files-entry', rel, ctx.signal);
    }
    const directoryMode = (await stat(dir)).mode & 0o777;
    return {
      dump: { tool: 'orgbackup-files', args: [] },
      tables: [],
      compression: 'none',
      details: { files, bytes, directory: this.mode === 'none' ? '.' : tenant.id, directoryMode },
    };
  }

  async restore(tenant: Tenant, ctx: RestoreContext): Promise<RestoreResult> {
    const target = ctx.options.target ? path.resolve(ctx.options.target) : this.tenantDir(tenant);
    const files = Number(ctx.sidecar.details?.files ?? 0);
    assertNoCollidingPaths(ctx.sidecar.entries, `archive ${ctx.sidecar.id}`);
    if (ctx.options.dryRun) {
      const exists = await stat(target).then(
        () => true,
        () => false,
      );
      return { target, tables: [], plan: [`${exists ? 'replace' : 'create'} directory ${target} with ${files} files`] };
    }
    return { target, tables: [], ...(await extractAndSwap(target, ctx)) };
  }

  checkManifest(sidecar: Sidecar): void {
    assertNoCollidingPaths(sidecar.entries, `archive ${sidecar.id}`);
  }

  async describeTarget(target: string): Promise<string | undefined> {
    const names = await readdir(path.resolve(target)).catch(() => [] as string[]);
    return names.length > 0 ? `already holds ${names.length} entr${names.length === 1 ? 'y' : 'ies'}` : undefined;
  }

  /** A new directory under --scratch (a directory) or the run's temp directory. */
  async createScratch(_sidecar: Sidecar, request: ScratchRequest): Promise<Scratch> {
    if (isScratchUrl(request.scratch)) request.log.debug(`--scratch ${request.scratch} is a URL; files archives are restore-tested under the temp directory`);
    const { createFilesScratch } = await import('./scratch.js');
    return createFilesScratch(request.scratch && !isScratchUrl(request.scratch) ? request.scratch : await request.tempDir());
  }

  async close(): Promise<void> {}
}

/** Regular files under `dir`, as '/'-separated relative paths, in a stable order. */
async function* walkFiles(dir: string, log: Logger, rel = ''): AsyncGenerator<string> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' && rel === '')
      throw new UsageError(`directory ${dir} does not exist`, { hint: `check the source's "path" in the config (a relative one starts at the config file's directory)` });
    throw error;
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walkFiles(dir, log, relPath);
    else if (entry.isFile()) yield relPath;
    else log.warn(`skipping ${path.join(dir, relPath)}: not a regular file`);
  }
}

async function extractAndSwap(target: string, ctx: RestoreContext): Promise<{ plan?: string[] }> {
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw notWritable(parent, error);
  });
  const staging = besidePath(target, 'restore', randomBytes(4).toString('hex'));
  await mkdir(staging, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw notWritable(parent, error);
  });
  const old = besidePath(target, 'old', randomBytes(4).toString('hex'));
  // Archives made before modes were recorded have none: their files keep the umask's defaults.
  const recorded = new Map(ctx.sidecar.entries.map((e) => [e.name, e]));
  try {
    for await (const entry of ctx.entries) {
      if (!entry.name.startsWith(FILES_PREFIX)) continue;
      const rel = restorePath(entry.name, recorded.get(entry.name), `archive ${ctx.sidecar.id}`);
      const file = path.join(staging, ...rel.split('/'));
      if (!file.startsWith(staging + path.sep)) throw new OrgbackupError(`refusing archive entry ${entry.name}: it points outside the target`, ExitCode.verification, { hint: DAMAGED_ARCHIVE_HINT });
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(Readable.from(entry.body), createWriteStream(file, { flags: 'wx' }), { signal: ctx.signal });
      await applyRecorded(file, recorded.get(entry.name));
    }
    const directoryMode = ctx.sidecar.details?.directoryMode;
    if (typeof directoryMode === 'number') await chmod(staging, directoryMode & 0o777);
    const existed = await stat(target).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (existed) await rename(target, old);
    await rename(staging, target);
    if (existed) await rm(old, { recursive: true, force: true });
    return {};
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (
      await lstat(old).then(
        () => true,
        () => false,
      )
    )
      await rename(old, target).catch(() => undefined);
    throw FULL.has((error as NodeJS.ErrnoException).code ?? '') ? await noSpace(target, ctx, error as NodeJS.ErrnoException) : error;
  }
}

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** A full filesystem is the operator's to fix: say where, how much the files need, and what is free (the staging copy is gone). */
async function noSpace(target: string, ctx: RestoreContext, error: NodeJS.ErrnoException): Promise<OrgbackupError> {
  const parent = path.dirname(target);
  const bytes = Number(ctx.sidecar.details?.bytes ?? ctx.sidecar.entries.reduce((sum, e) => sum + e.size, 0));
  const free = await statfs(parent).then(
    (fs) => fs.bavail * fs.bsize,
    () => undefined,
  );
  const files = Number(ctx.sidecar.details?.files ?? ctx.sidecar.entries.length);
  return new OrgbackupError(
    `cannot restore into ${target}: the filesystem holding ${parent} is full (${error.code}); the archive's ${files} files need ${formatBytes(bytes)} there${free === undefined ? '' : `, ${formatBytes(free)} are free`}; nothing was changed`,
    ExitCode.failed,
    { hint: `free space in ${parent} (the current directory stays until the new copy is complete, so both need room), or restore elsewhere with --target <dir>`, cause: error },
  );
}

/** Permission bits (never setuid/setgid/sticky) and mtime as archived. */
async function applyRecorded(file: string, entry: ManifestEntry | undefined): Promise<void> {
  if (entry?.mode !== undefined) await chmod(file, entry.mode & 0o777);
  if (entry?.mtime !== undefined) {
    const mtime = new Date(entry.mtime);
    if (!Number.isNaN(mtime.getTime())) await utimes(file, mtime, mtime);
  }
}

function notWritable(dir: string, error: NodeJS.ErrnoException): OrgbackupError {
  return new OrgbackupError(`cannot restore into ${dir}: ${error.code ?? error.message}`, ExitCode.failed, {
    hint: `make ${dir} writable by uid ${process.getuid?.() ?? '?'}, or restore elsewhere with --target <dir>`,
  });
}
