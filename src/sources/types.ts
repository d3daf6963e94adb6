/**
 * The Source contract. A source discovers its tenants, dumps one tenant into an archive writer
 * (streaming: nothing holds a whole dump in memory), checks a dump entry during verify, and
 * restores a tenant from the archive's entries in order.
 *
 * What an engine must provide (model: restic's backends). An engine is one folder,
 * src/sources/<engine>/, plus one line in each of the two lists that name the engines:
 *  - sources/registry.ts ENGINES: its Engine (below), in <engine>/engine.ts: how to make its Source,
 *    its preflight checks, and where it has them its size estimate, whether it runs SQL
 *    (retention.plans.query) and its schema-only command for hints. It is loaded by every command,
 *    so it imports the engine's modules only inside its methods.
 *  - config/schema.ts engineConfigs: its EngineConfig (config/source-parts.ts), in <engine>/config.ts:
 *    the zod schema of its source (`type` a literal; made of the shared parts in source-parts.ts),
 *    the tenant modes it supports, and its entry in the `orgbackup init` starter config if it has
 *    one. The config schema sits below the engines, so config.ts imports only zod and config/.
 * In the folder, besides those two files:
 *  - source.ts: a class implementing Source (this file). Required: discoverTenants, dump, restore,
 *    createScratch (a throwaway place for restore tests, in <engine>/scratch.ts, with the neutral
 *    types of sources/scratch.ts) and close. Where the engine has them: tenantExists,
 *    checkManifest, checkEntry, describeTarget, currentTables/currentFingerprint (the restore
 *    plan and schema check), queryRows (SQL engines), exporter, and the rows-mode methods.
 *  - preflight.ts: its checks (the native tool is there and new enough, the place is reachable and
 *    readable or writable, the tenants can be listed), built with sources/checks/ (result shapes,
 *    checkTool, tenantsCheck) and returning CheckResult lists: a problem of the whole source fails,
 *    one of a single tenant warns (that tenant fails, the others are backed up).
 *  - its errors are the typed errors of src/errors.ts, each with a hint that says what to do.
 * And its tests: a file in test/conformance/sources/ that runs the source conformance suite with the
 * engine's fixture (make a source of two tenants; count, digest and change their data; its dump
 * tool and bad credentials where it has them), besides its own tests.
 * The rest of the program talks to these contracts only; `npm run lint` (scripts/check-imports.mjs)
 * fails on a source type compared outside src/sources/ and src/config/, on an import cycle, and on
 * an engine importing a layer that uses it (commands, preflight, restore, backup...).
 */
import type { ArchiveExporter } from './export/types.js';
import type { RowsDecoder } from './rows/decoder.js';
import type { RowsPlan } from './rows/plan.js';
import type { MergeCount } from './rows/merge.js';
import type { Readable } from 'node:stream';
import type { ArchiveWriter } from '../archive/writer.js';
import type { DatabaseLocale, Sidecar, SchemaFingerprint, TableInfo } from '../archive/manifest.js';
import type { ZipEntry } from '../archive/zip-reader.js';
import type { Logger } from '../context.js';
import type { Scratch, ScratchRequest } from './scratch.js';
import type { CheckContext, CheckPurpose, CheckResult } from './checks/result.js';
import type { SourceConfig } from '../config/schema.js';

export interface Tenant {
  id: string;
  name?: string;
  plan?: string;
  /** Why this row of a tenants query names no usable tenant (a NULL id): it fails on its own. */
  idProblem?: string;
}

/** The id of the single tenant of mode `none`. */
export const ALL_TENANT = '_all';

export interface DumpContext {
  /** Where the dump's entries go (an archive being written, or `diff --live` reading a fresh dump). */
  writer: Pick<ArchiveWriter, 'addEntry'>;
  signal: AbortSignal;
  log: Logger;
  tempDir: string;
  compression: 'zstd' | 'gzip' | 'none';
}

export interface RunInfo {
  /** How many tenants discovery found; the run's tenants are a share of them. */
  discovered: number;
  signal: AbortSignal;
  log: Logger;
  tempDir(): Promise<string>;
}

export interface DumpResult {
  dump: { tool: string; version?: string; args: string[] };
  tables: TableInfo[];
  compression: string;
  serverVersion?: string;
  database?: string;
  /** PostgreSQL: the dumped database's encoding and locale. */
  locale?: DatabaseLocale;
  schemaFingerprint?: SchemaFingerprint;
  details?: Record<string, unknown>;
}

export interface RestoreOptions {
  /** Another database URL, schema name or directory; the tenant's own place when undefined. */
  target?: string;
  conflict: 'replace' | 'merge' | 'skip' | 'fail';
  only?: string[];
  force: boolean;
  dryRun: boolean;
  /** Rows mode, `--conflict merge --dry-run`: the entries are read (staged and rolled back) to count what the merge would update, insert and keep. */
  countMerge?: boolean;
  /** Parallel loaders where the engine can use them (pg_restore -j into a new database). */
  jobs?: number;
  /** Rows mode, `--as`: load the archive as this tenant (new keys, references remapped; rows/clone.ts). */
  as?: string;
}

export interface RestoreContext {
  sidecar: Sidecar;
  /** The archive's entries in archive order; checksums were verified in a first pass. */
  entries: AsyncIterable<ZipEntry>;
  options: RestoreOptions;
  signal: AbortSignal;
  log: Logger;
  tempDir: string;
}

export interface RestoreResult {
  /** Where the data went, without secrets (a database name, schema, directory). */
  target: string;
  tables: TableInfo[];
  /** What a dry run would do; empty for a real restore. */
  plan?: string[];
  /** Dry run: the tenant's rows there now per table, when the restore counts them itself (rows mode). */
  current?: TableInfo[];
  /** `--conflict merge`: per table, rows updated, inserted, unchanged and kept. */
  merge?: MergeCount[];
}

export interface Source {
  readonly name: string;
  readonly type: string;
  readonly mode: string;
  discoverTenants(signal: AbortSignal): Promise<Tenant[]>;
  /** Whether the tenant currently has data to back up (a safety backup needs it). */
  tenantExists?(tenant: Tenant, signal: AbortSignal): Promise<boolean>;
  /**
   * Called before the first dump of a run with every tenant it will back up from this source, so
   * the source may read them together (rows mode: one pass over each table). Reading starts at
   * the first dump; `signal` is the run's, not one tenant's.
   */
  planRun?(tenants: readonly Tenant[], run: RunInfo): void;
  dump(tenant: Tenant, ctx: DumpContext): Promise<DumpResult>;
  /** Rows mode: the plan a dump follows now (read from the catalog; throws UsageError for a config it cannot be made from). */
  rowsPlan?(): Promise<RowsPlan | undefined>;
  /** Checks what the manifest alone can show before any entry is read (files: no two entries collide as paths); throws if it cannot be restored. */
  checkManifest?(sidecar: Sidecar): void;
  /** Reads a data entry the way a restore would (e.g. `pg_restore --list`); throws if it cannot. */
  checkEntry?(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void>;
  restore(tenant: Tenant, ctx: RestoreContext): Promise<RestoreResult>;
  /** How `export` reads the tables of `sidecar`'s archive without a database (undefined: it holds none). */
  exporter?(sidecar: Sidecar): Promise<ArchiveExporter | undefined>;
  /** Rows mode: how `diff` reads this engine's archived rows into column values (undefined: not supported). */
  rowsDecoder?(): Promise<RowsDecoder | undefined>;
  /**
   * The schema a restore of `sidecar` would write into now (the tenant's own place, or `target`),
   * over the same tables and naming as the archive's schemaFingerprint; undefined when that place
   * does not exist yet. Restore compares the two before touching anything (src/restore/reconcile.ts).
   */
  currentFingerprint?(tenant: Tenant, sidecar: Sidecar, target: string | undefined, signal: AbortSignal): Promise<SchemaFingerprint | undefined>;
  /** Row counts of what a restore of `sidecar` would replace now, for the dry-run plan; undefined when unknown. */
  currentTables?(tenant: Tenant, sidecar: Sidecar, target: string | undefined, signal: AbortSignal): Promise<TableInfo[] | undefined>;
  /**
   * A throwaway place to restore-test `sidecar` in (a new database, schema, file or directory),
   * made by the engine (sources/<engine>/scratch.ts); the restore test restores into its `target`
   * with `restore`, measures and always drops it.
   */
  createScratch(sidecar: Sidecar, request: ScratchRequest): Promise<Scratch>;
  /** Runs a read-only SQL query of the config's (retention.plans.query) on the source's database; engines without SQL leave it out. */
  queryRows?(sql: string): Promise<Record<string, unknown>[]>;
  /** What a `--target` holds now, for refusing to overwrite it ("already holds 3 entries"), or undefined when it is new or empty; without it, currentTables decides. */
  describeTarget?(target: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Keeps tenants not excluded; ids are compared as strings. */
export function applyExclude(tenants: Tenant[], exclude: readonly string[]): Tenant[] {
  const skip = new Set(exclude);
  return tenants.filter((t) => !skip.has(t.id));
}

/**
 * An engine as the rest of the program sees it: one object per source type in
 * src/sources/<engine>/engine.ts, listed once in sources/registry.ts. It is loaded with every
 * command, so it holds no engine code itself: each method imports the engine's modules when called.
 */
export interface Engine<C extends SourceConfig = SourceConfig> {
  readonly type: C['type'];
  /** Whether its Source runs SQL queries (queryRows): those a tenants or plans query can name. */
  readonly runsQueries: boolean;
  /** How an operator makes an empty copy of a tenant's tables elsewhere, for the hint of a missing --target database. */
  readonly schemaOnlyCommand?: string;
  create(name: string, config: C, baseDir: string): Promise<Source>;
  /** Its preflight checks of source `name` (SPEC.md "Preflight"): tools, reachability, permissions, tenants. */
  preflight(ctx: CheckContext, name: string, config: C, purpose: CheckPurpose): Promise<CheckResult[]>;
  /**
   * Database engines: restore tests make their throwaway database on a server, so `verify --scratch`
   * names one by URL (engine and example for the messages; check throws a UsageError for a URL it
   * cannot use). Without it, restore tests run in a directory and --scratch names that.
   */
  readonly scratchServer?: { engine: string; example: string; check(url: string, key: string): Promise<void> };
  /** An upper bound of the bytes its archives need when none exist yet (the database size); undefined when unknown. */
  estimateBytes?(name: string, config: C, baseDir: string): Promise<number | undefined>;
}
