/**
 * The SQLite source: one database file (mode `none`) or one file per tenant (mode `directory`).
 * A live database is copied with the online backup API into the run's temp dir (never by copying
 * a file in use), the copy must pass `PRAGMA integrity_check`, its row counts and schema are read
 * from the copy (so they describe exactly what is archived), and it is stored compressed as
 * `db.sqlite.zst`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SqliteSourceConfig } from './config.js';
import type { ArchiveExporter } from '../export/types.js';
import { OrgbackupError, ExitCode, UsageError } from '../../errors.js';
import type { SchemaFingerprint, Sidecar } from '../../archive/manifest.js';
import { compress, compressedName, compressionOfEntry, decompress, effectiveCompression } from '../compression.js';
import { ALL_TENANT, applyExclude, type DumpContext, type DumpResult, type RestoreContext, type RestoreResult, type Source, type Tenant } from '../types.js';
import { checkIntegrity, countRows, describeTables, fingerprint, onlineBackup, resolveSqlite3, sqliteVersion } from './cli.js';
import { fileSetOf, listTenantFiles } from './paths.js';
import { restoreSqliteFile, SQLITE_ENTRY } from './restore.js';
import { toolVersion } from '../tools.js';
import { isScratchUrl, type Scratch, type ScratchRequest } from '../scratch.js';

export class SqliteSource implements Source {
  readonly type = 'sqlite';
  readonly mode: string;
  readonly root: string;

  constructor(
    readonly name: string,
    readonly config: SqliteSourceConfig,
    baseDir: string,
  ) {
    this.mode = config.tenants.mode;
    this.root = path.resolve(baseDir, config.path);
  }

  async sqlite3(): Promise<string> {
    return (await resolveSqlite3(this.config.tools)).file;
  }

  async discoverTenants(): Promise<Tenant[]> {
    if (this.mode === 'none') return [{ id: ALL_TENANT }];
    const files = await listTenantFiles(fileSetOf(this.root, this.config.tenants.match, this.name), this.name);
    return applyExclude(
      files.map((f) => ({ id: f.id })),
      this.config.tenants.exclude,
    );
  }

  /** The database file of a tenant that exists now; undefined when there is none. */
  async tenantFile(tenant: Tenant): Promise<string | undefined> {
    if (this.mode === 'none') return (await isFile(this.root)) ? this.root : undefined;
    const files = await listTenantFiles(fileSetOf(this.root, this.config.tenants.match, this.name), this.name);
    return files.find((f) => f.id === tenant.id)?.file;
  }

  async tenantExists(tenant: Tenant): Promise<boolean> {
    return (await this.tenantFile(tenant)) !== undefined;
  }

  async dump(tenant: Tenant, ctx: DumpContext): Promise<DumpResult> {
    const file = await this.tenantFile(tenant);
    if (!file) {
      throw new OrgbackupError(`sqlite source "${this.name}": no database file for tenant ${tenant.id} (${this.root})`, ExitCode.failed, {
        hint: 'check the source path; sqlite3 would create an empty database there, so orgbackup refuses to',
      });
    }
    const sqlite3 = await this.sqlite3();
    const copy = path.join(ctx.tempDir, `sqlite-${randomBytes(6).toString('hex')}.db`);
    try {
      await onlineBackup(sqlite3, file, copy, ctx.signal);
      await checkIntegrity(sqlite3, copy, `the backup copy of ${file}`, ctx.signal);
      const columns = await describeTables(sqlite3, copy, ctx.signal);
      const tables = await countRows(sqlite3, copy, [...columns.keys()], ctx.signal);
      const compression = await effectiveCompression(ctx.compression);
      const piped = await compress(createReadStream(copy, { highWaterMark: 1024 * 1024 }), compression, ctx.signal);
      // The file's mode is recorded so that a restore gives the database back its permissions.
      const original = await stat(file);
      const [entry] = await Promise.all([ctx.writer.addEntry(compressedName(SQLITE_ENTRY, compression), piped.stdout, { mode: original.mode, mtime: original.mtime }), piped.done]);
      const bytes = (await stat(copy)).size;
      const version = await sqliteVersion(sqlite3, ctx.signal);
      return {
        dump: { tool: 'sqlite3', version: await toolVersion(sqlite3, ctx.signal), args: ['.backup'] },
        tables,
        compression,
        serverVersion: `SQLite ${version}`,
        database: path.basename(file),
        schemaFingerprint: fingerprint(columns),
        details: { file: path.basename(file), bytes, storedBytes: entry.size },
      };
    } finally {
      await rm(copy, { force: true });
    }
  }

  async exporter(sidecar: Sidecar): Promise<ArchiveExporter> {
    const { sqliteExporter } = await import('./export/exporter.js');
    return sqliteExporter(sidecar, () => this.sqlite3());
  }

  /** Level 2: the entry decompresses to a database that passes PRAGMA integrity_check. */
  async checkEntry(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void> {
    if (!name.startsWith(SQLITE_ENTRY)) {
      body.resume();
      return;
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'orgbackup-sqlite-check-'));
    try {
      const file = path.join(dir, 'check.db');
      const plain = await decompress(body, compressionOfEntry(name), signal);
      await Promise.all([pipeline(plain.stdout, createWriteStream(file, { mode: 0o600 }), { signal }), plain.done]);
      await checkIntegrity(await this.sqlite3(), file, `entry ${name} of ${sidecar.id}`, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async restore(tenant: Tenant, ctx: RestoreContext): Promise<RestoreResult> {
    const target = await this.restoreTarget(tenant, ctx.sidecar, ctx.options.target);
    const existing = await isFile(target);
    const plan = [`${existing ? 'replace' : 'create'} ${target}`, ...ctx.sidecar.tables.map((t) => `${t.name}: ${t.rows} rows`)];
    if (ctx.options.dryRun) return { target, tables: ctx.sidecar.tables, plan };
    await restoreSqliteFile(await this.sqlite3(), target, ctx);
    return { target, tables: ctx.sidecar.tables };
  }

  /** `--target` (a file, or a directory to put the archived file name in), else the tenant's own file. */
  private async restoreTarget(tenant: Tenant, sidecar: Sidecar, to: string | undefined): Promise<string> {
    const archivedName = typeof sidecar.details?.file === 'string' ? path.basename(sidecar.details.file) : `${tenant.id}.sqlite`;
    if (to) {
      const target = path.resolve(to);
      const isDir = await stat(target).then(
        (s) => s.isDirectory(),
        () => false,
      );
      return isDir ? path.join(target, archivedName) : target;
    }
    if (this.mode === 'none') return this.root;
    const current = await this.tenantFile(tenant);
    if (current) return current;
    const set = fileSetOf(this.root, this.config.tenants.match, this.name);
    if (set.pattern && !set.pattern.test(archivedName)) {
      throw new UsageError(`${archivedName} does not match the source's pattern, so it would not be found as tenant ${tenant.id} again`, {
        hint: 'restore with --target <file>',
      });
    }
    return path.join(set.dir, archivedName);
  }

  /** The schema of the file a restore would replace; undefined when there is none yet. */
  async currentFingerprint(tenant: Tenant, sidecar: Sidecar, target: string | undefined, signal: AbortSignal): Promise<SchemaFingerprint | undefined> {
    const file = await this.restoreTarget(tenant, sidecar, target);
    if (!(await isFile(file))) return undefined;
    return fingerprint(await describeTables(await this.sqlite3(), file, signal));
  }

  /** A new file in a directory under --scratch (a directory) or the run's temp directory. */
  async createScratch(_sidecar: Sidecar, request: ScratchRequest): Promise<Scratch> {
    const { createSqliteScratch } = await import('./scratch.js');
    const parent = request.scratch && !isScratchUrl(request.scratch) ? request.scratch : await request.tempDir();
    return createSqliteScratch(parent, this.config.tools, request.signal);
  }

  async close(): Promise<void> {}
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
