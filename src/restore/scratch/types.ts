/**
 * A scratch place for a level-3 restore test: somewhere the archive is restored, measured and then
 * always removed. Each kind (a PostgreSQL database or schema, a MySQL database, a directory) knows
 * how to make itself, what `--target` value makes the source restore into it, and how to count
 * what arrived.
 */
import type { DatabaseLocale, TableInfo } from '../../archive/manifest.js';
import type { DatabaseCharset } from '../../sources/mysql/catalog.js';

/** What a restore test found in the scratch place. */
export interface Observation {
  /** Per-table row counts (and checksums where the source can compute them), named as in the manifest. */
  tables?: TableInfo[];
  /** files sources: regular files and their total size. */
  files?: { count: number; bytes: number };
  /** PostgreSQL: the scratch database's encoding and locale. */
  locale?: DatabaseLocale;
  /** MySQL/MariaDB: the scratch database's default charset and collation. */
  charset?: DatabaseCharset;
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
