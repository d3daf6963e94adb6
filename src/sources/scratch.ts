/**
 * The scratch places of restore tests, the engine-neutral part: what a Source's createScratch
 * returns (each engine makes its own: sources/<engine>/scratch.ts) and what it is given.
 *
 * A scratch place for a level-3 restore test: somewhere the archive is restored, measured and then
 * always removed. Each kind (a PostgreSQL database or schema, a MySQL database, a directory) knows
 * how to make itself, what `--target` value makes the source restore into it, and how to count
 * what arrived.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseLocale, TableInfo } from '../archive/manifest.js';
import type { Logger } from '../context.js';
import { UsageError } from '../errors.js';

/** What a restore test found in the scratch place. */
export interface Observation {
  /** Per-table row counts (and checksums where the source can compute them), named as in the manifest. */
  tables?: TableInfo[];
  /** files sources: regular files and their total size. */
  files?: { count: number; bytes: number };
  /** PostgreSQL: the scratch database's encoding and locale. */
  locale?: DatabaseLocale;
  /** MySQL/MariaDB: the scratch database's default charset and collation. */
  charset?: { charset: string; collation: string };
}

export interface Scratch {
  /** The `--target` a source's restore is given. May hold a password: never print it. */
  target: string;
  /** Where it is, for messages: no secrets. */
  where: string;
  /** Runs after each restore into it, before measuring (MySQL rows: installs the triggers once). */
  afterLoad?(): Promise<void>;
  measure(): Promise<Observation>;
  /**
   * Once loaded, the archive is restored a second time over the first copy: the path an in-place
   * restore takes (whole databases: drop and recreate in one transaction; rows: only the rows that
   * differ are written, none here), which a load into a new database never runs.
   */
  replaceAgain?: boolean;
  /** Removes it; safe to call when creating it failed half-way, and more than once. */
  drop(): Promise<void>;
}

/** Scratch names start with this, so an operator can find leftovers of a power cut. */
export const SCRATCH_PREFIX = 'ob_rt_';

/** A new scratch database or schema name: the prefix, random hex, and a label people recognise. */
export function scratchName(label: string): string {
  // PostgreSQL identifiers hold 63 bytes; the label only helps people recognise it.
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  return `${SCRATCH_PREFIX}${randomBytes(4).toString('hex')}_${safe}`;
}

/** What a Source's createScratch gets from the restore test. */
export interface ScratchRequest {
  /** `--scratch`: a database server URL, or a directory for files and SQLite archives; undefined for the defaults. */
  scratch?: string;
  /** The run's private temp directory (a default parent for directories, defaults files). */
  tempDir(): Promise<string>;
  signal: AbortSignal;
  log: Logger;
}

/** A `--scratch` value is a URL for database sources and a directory for files sources. */
export function isScratchUrl(value: string | undefined): value is string {
  return !!value && /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/**
 * Creates a scratch place; when the server refuses for want of a privilege, the error gets a hint
 * naming the one (`grant`) that gives it.
 */
export async function withPrivilegeHint<T>(create: () => Promise<T>, grant: string): Promise<T> {
  return create().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (!/permission denied|access denied/i.test(message) || (error as { hint?: string }).hint) throw error;
    const hint = `the restore test creates a throwaway copy and needs the privilege to: ${grant}; or point --scratch at a server where it may`;
    throw Object.assign(error instanceof Error ? error : new Error(message), { hint });
  });
}

export function unsupportedScratch(type: string, mode: string): UsageError {
  return new UsageError(`restore tests of ${type} archives in tenant mode ${mode} are not supported by this build`, { hint: 'verify it without --restore-test (levels 1 and 2)' });
}

/**
 * The server a database scratch goes to: the one `--scratch` names (parsed by the engine's own URL
 * parser), else the source's. A --scratch URL without a password on the source's host borrows the
 * source's password, so the secret need not be typed on the command line.
 */
export function scratchServerOf<C extends { host: string; password?: string }>(source: C, scratch: string | undefined, parse: (url: string, key: string) => C): C {
  if (!scratch) return source;
  const conn = parse(scratch, '--scratch');
  return conn.password === undefined && source.password !== undefined && conn.host === source.host ? { ...conn, password: source.password } : conn;
}

/** What a rows-mode scratch needs to copy the source's schema in with the engine's dump tool. */
export interface SchemaCopyOptions {
  tools: Record<string, string>;
  tempDir: string;
  signal: AbortSignal;
}

/** Fills a scratch just made (schema, shared rows); when that fails the scratch is dropped before the error goes on. */
export async function filled(scratch: Scratch, fill: () => Promise<void>): Promise<void> {
  try {
    await fill();
  } catch (error) {
    await scratch.drop().catch(() => undefined);
    throw error;
  }
}
