/**
 * What an archive says about itself. The same object is stored inside the zip (manifest.json)
 * and, with the stored object's size and sha256, as the sidecar that commits the archive.
 * It holds no tenant data beyond ids, names, counts and sizes, and never a secret.
 */
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestEntry {
  name: string;
  size: number;
  sha256: string;
  /** Files sources: the file's permission bits (e.g. 0o640) and modification time, restored with it. */
  mode?: number;
  mtime?: string;
  /**
   * Files sources: the file's path under the tenant directory when the entry name is not
   * `files/<path>` (a backslash, which zip writers turn into `/`, is stored as `%5C`).
   */
  path?: string;
}

export interface TableInfo {
  /** Schema-qualified where the engine has schemas. */
  name: string;
  rows: number;
  /** rows mode: sha256 of the table's archived text (in archive order), checked when it is read. */
  checksum?: string;
  /**
   * rows mode: order-independent digest of the table's rows (src/sources/rows/digest.ts), which
   * restore tests compare with the restored rows. Absent in older archives: their restore tests
   * compare row counts only (their checksum depends on the order the rows were read in).
   */
  digest?: string;
  /**
   * MySQL/MariaDB: the table's collation, which restore tests compare (a server of the other
   * flavour may map a collation it does not know to another one without an error).
   */
  collation?: string;
}

/** PostgreSQL: the source database's encoding and locale, which databases a restore creates get. */
export interface DatabaseLocale {
  encoding: string;
  collate: string;
  ctype: string;
  /** Set when the locale provider is not libc (PostgreSQL 15+): its locale. */
  provider?: 'icu' | 'builtin';
  locale?: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
}

export interface SchemaFingerprint {
  sha256: string;
  tables: { name: string; columns: ColumnInfo[] }[];
}

export interface Manifest {
  formatVersion: number;
  tool: { name: 'orgbackup'; version: string };
  id: string;
  source: { name: string; type: string; serverVersion?: string; database?: string; locale?: DatabaseLocale };
  tenant: { id: string; name?: string; plan?: string; mode: string };
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  trigger: string;
  dump: { tool: string; version?: string; args: string[] };
  compression: string;
  entries: ManifestEntry[];
  tables: TableInfo[];
  schemaFingerprint?: SchemaFingerprint;
  encryption?: { recipients: string[]; passphrase: boolean };
  labels: Record<string, string>;
  /** Source-specific details a restore needs (rows mode load order, shared tables...). */
  details?: Record<string, unknown>;
}

export interface Sidecar extends Manifest {
  object: { key: string; size: number; sha256: string };
}

/**
 * The SHA256SUMS text, in GNU coreutils' format so `sha256sum -c` checks it: a name holding a
 * backslash, newline or carriage return gets a leading `\` on its line and those escaped.
 */
export function sha256sums(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => sha256sumLine(e.sha256, e.name)).join('');
}

export function sha256sumLine(sha256: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${sha256}  ${name}\n`;
  const escaped = name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `\\${sha256}  ${escaped}\n`;
}

/** SHA256SUMS as archives made before names were escaped hold it (still accepted by verify). */
export function unescapedSha256sums(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `${e.sha256}  ${e.name}\n`).join('');
}

export function isSidecar(value: unknown): value is Sidecar {
  const v = value as Partial<Sidecar> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && Array.isArray(v.entries) && typeof v.object?.sha256 === 'string' && typeof v.object.size === 'number';
}
