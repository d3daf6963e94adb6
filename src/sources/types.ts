/**
 * The Source contract. A source discovers its tenants, dumps one tenant into an archive writer
 * (streaming: nothing holds a whole dump in memory), checks a dump entry during verify, and
 * restores a tenant from the archive's entries in order.
 *
 * What an engine must provide (model: restic's backends). An engine is one folder named by its
 * source type, src/sources/<type>/, plus one line in src/sources/engines.ts, the one list of the
 * engines; nothing else in src/ needs to name it. A new engine touches exactly these files:
 *  - sources/engines.ts: its line (`<type>: <type>Config`) and the import of that descriptor.
 *  - <type>/config.ts: its descriptor (sources/descriptor.ts): the zod schema of its source (`type`
 *    the literal <type>; made of the shared parts in config/source-parts.ts) and the config type
 *    inferred from it, the tenant modes it supports, its entry in the `orgbackup init` starter config
 *    if it has one, whether it runs SQL (retention.plans.query), its schema-only command for hints,
 *    and its scratchServer if its restore tests need a database server. The config schema is
 *    assembled from the descriptors, so config.ts imports only zod and config/, never engine code.
 *  - <type>/engine.ts: `export const engine`, its EngineCode (below): how to make its Source, its
 *    preflight checks, and where it has them its size estimate and scratch-URL check. The registry
 *    (sources/registry.ts) loads it by the type's name when a command first uses the engine, so it
 *    is listed nowhere; each method imports only the modules it needs.
 *  - <type>/source.ts: a class implementing Source (this file). Required: discoverTenants, dump,
 *    restore, createScratch and close. Where the engine has them: tenantExists, checkManifest,
 *    checkEntry, describeTarget, currentTables/currentFingerprint (the restore plan and schema
 *    check), queryRows (SQL engines), exporter, and the rows-mode methods.
 *  - <type>/scratch.ts: the throwaway place createScratch makes for restore tests, with the neutral
 *    types of sources/scratch.ts.
 *  - <type>/preflight.ts: its checks (the native tool is there and new enough, the place is reachable
 *    and readable or writable, the tenants can be listed), built with sources/checks/ (result shapes,
 *    checkTool, tenantsCheck) and returning CheckResult lists: a problem of the whole source fails,
 *    one of a single tenant warns (that tenant fails, the others are backed up).
 *  - its errors are the typed errors of src/errors.ts, each with a hint that says what to do.
 *  - test/conformance/sources/<type>.test.ts: the source conformance suite (suite.ts) run with the
 *    engine's fixture (make a source of two tenants; count, digest and change their data; its dump
 *    tool, or a test-hook point in its dump, for SIGTERM; bad credentials where it has them), besides
 *    its own tests.
 *  - its documentation: its source keys in docs/configuration.md, and the engines named in README.md.
 * The rest of the program talks to these contracts only; `npm run lint` (scripts/check-imports.mjs)
 * fails on a source type compared outside src/sources/, on an import cycle (the registry's import
 * by type counts as one of every <type>/engine.ts), and on an engine importing a layer that uses it
 * (commands, preflight, restore, backup...).
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
import type { EngineDescriptor } from './descriptor.js';

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
 * An engine's code, in src/sources/<type>/engine.ts as `export const engine`: sources/registry.ts
 * loads it by its type when a command first uses the engine, so nothing lists it. Each method
 * imports only the modules it needs.
 */
export interface EngineCode<C extends SourceConfig = SourceConfig> {
  create(name: string, config: C, baseDir: string): Promise<Source>;
  /** Its preflight checks of source `name` (SPEC.md "Preflight"): tools, reachability, permissions, tenants. */
  preflight(ctx: CheckContext, name: string, config: C, purpose: CheckPurpose): Promise<CheckResult[]>;
  /** An upper bound of the bytes its archives need when none exist yet (the database size); undefined when unknown. */
  estimateBytes?(name: string, config: C, baseDir: string): Promise<number | undefined>;
  /** Engines with a scratchServer (descriptor.ts): throws a UsageError for a `verify --scratch` URL it cannot use. */
  checkScratchUrl?(url: string, key: string): Promise<void>;
}

/**
 * An engine as the rest of the program sees it (sources/registry.ts engineOf): the facts of its
 * descriptor (<type>/config.ts), known without loading it, and the methods of its code, which load
 * it when first called.
 */
export interface Engine extends Pick<EngineDescriptor, 'runsQueries' | 'schemaOnlyCommand'>, Required<Pick<EngineCode, 'create' | 'preflight' | 'estimateBytes'>> {
  readonly type: SourceConfig['type'];
  /** The descriptor's scratchServer, with the check of its code. */
  readonly scratchServer?: NonNullable<EngineDescriptor['scratchServer']> & { check(url: string, key: string): Promise<void> };
}
