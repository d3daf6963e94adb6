/**
 * Archive ids and storage keys (SPEC.md "Archives"). An id is `<source>/<tenant>/<timestamp>`
 * with the tenant percent-encoded so that no tenant id can make `.`, `..` or `/`; keys are the id
 * plus `.zip` / `.zip.age` for the archive and `.manifest.json` for the sidecar (the commit marker).
 *
 * A tenant whose encoded id is longer than one path component may be (NAME_MAX, 255 bytes: the
 * tenant part is a directory on local storage) is keyed by a readable prefix of its encoded id,
 * `~` (never in an encoded id, which writes it %7E) and a hash of the id: `<prefix>~<32 hex>`.
 * Such a key does not say the tenant; its sidecar does (tenant.id, checked against the key part),
 * and the catalog reads it. Ids that fit keep their plain encoding, so existing keys still parse.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export const ARCHIVE_SUFFIX = '.zip';
export const ENCRYPTED_SUFFIX = '.zip.age';
export const SIDECAR_SUFFIX = '.manifest.json';

export interface ArchiveRef {
  source: string;
  /**
   * The tenant id as the source knows it (decoded); for a hashed key part (`hashedTenant`), the
   * key part itself until a sidecar names the tenant.
   */
  tenant: string;
  /** Set when the key holds a hashed tenant part that does not say the id. */
  hashedTenant?: true;
  /** UTC timestamp, `YYYY-MM-DDTHH-mm-ss.SSSZ`. */
  timestamp: string;
}

const PASS = /[A-Za-z0-9._-]/;

/** Percent-encodes everything outside [A-Za-z0-9._-], and a leading `.`. */
export function encodeTenant(tenant: string): string {
  if (tenant === '') throw new UsageError('a tenant id cannot be empty', { hint: 'give the tenant id as `orgbackup list` shows it' });
  let out = '';
  for (const byte of Buffer.from(tenant, 'utf8')) {
    const ch = String.fromCharCode(byte);
    const mustEncode = byte >= 0x80 || !PASS.test(ch) || (out === '' && ch === '.');
    out += mustEncode ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

export function decodeTenant(encoded: string): string {
  return Buffer.from(
    encoded.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})Z$/;

export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}

export function parseTimestamp(timestamp: string): Date | undefined {
  const m = TIMESTAMP.exec(timestamp);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** NAME_MAX of Linux file systems: the tenant part of a key is one path component of a local key. */
export const MAX_TENANT_KEY = 255;
/** The readable prefix of a hashed tenant part; with `~` and the hash, 233 bytes at most. */
const HASHED_PREFIX = 200;
const HASH_HEX = 32;

/** The tenant's part of its keys: its encoding when that fits one path component, else hashed. */
export function tenantKeyPart(tenant: string): string {
  const encoded = encodeTenant(tenant);
  if (encoded.length <= MAX_TENANT_KEY) return encoded;
  let prefix = encoded.slice(0, HASHED_PREFIX);
  // Never cut a %XX escape in two: the prefix stays decodable for a human reading the key.
  const escape = prefix.lastIndexOf('%');
  if (escape > prefix.length - 3) prefix = prefix.slice(0, escape);
  return `${prefix}~${createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, HASH_HEX)}`;
}

export function archiveId(ref: ArchiveRef): string {
  return `${ref.source}/${ref.hashedTenant ? ref.tenant : tenantKeyPart(ref.tenant)}/${ref.timestamp}`;
}

const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENCODED_TENANT = /^(?!\.)(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+$/;
const HASHED_TENANT = /^(?!\.)(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+~[0-9a-f]{32}$/;

/** Parses `<source>/<tenant>/<timestamp>`; undefined when it is not one. */
export function parseArchiveId(id: string): ArchiveRef | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [source, tenant, timestamp] = parts as [string, string, string];
  if (!SOURCE_NAME.test(source) || !parseTimestamp(timestamp)) return undefined;
  if (HASHED_TENANT.test(tenant)) return tenant.length <= MAX_TENANT_KEY ? { source, tenant, timestamp, hashedTenant: true } : undefined;
  if (!ENCODED_TENANT.test(tenant) || tenant.length > MAX_TENANT_KEY) return undefined;
  // Only the one encoding orgbackup writes: `%61cme` is not a second name for tenant `acme`.
  const decoded = decodeTenant(tenant);
  return encodeTenant(decoded) === tenant ? { source, tenant: decoded, timestamp } : undefined;
}

/** Whether `tenant` (say, from a sidecar) is the tenant a key's reference stands for. */
export function keyNamesTenant(ref: ArchiveRef, tenant: string | undefined): boolean {
  if (tenant === undefined || tenant === '') return false;
  return ref.hashedTenant ? tenantKeyPart(tenant) === ref.tenant : tenant === ref.tenant;
}

export function archiveKey(id: string, encrypted: boolean): string {
  return id + (encrypted ? ENCRYPTED_SUFFIX : ARCHIVE_SUFFIX);
}

export function sidecarKey(id: string): string {
  return id + SIDECAR_SUFFIX;
}

export type KeyKind = 'archive' | 'sidecar';

export interface ParsedKey {
  id: string;
  ref: ArchiveRef;
  kind: KeyKind;
  encrypted: boolean;
}

/** Recognises archive and sidecar keys; anything else (state, locks, temp files) is undefined. */
export function parseKey(key: string): ParsedKey | undefined {
  for (const [suffix, kind, encrypted] of [
    [SIDECAR_SUFFIX, 'sidecar', false],
    [ENCRYPTED_SUFFIX, 'archive', true],
    [ARCHIVE_SUFFIX, 'archive', false],
  ] as const) {
    if (!key.endsWith(suffix)) continue;
    const id = key.slice(0, -suffix.length);
    const ref = parseArchiveId(id);
    return ref ? { id, ref, kind, encrypted } : undefined;
  }
  return undefined;
}

/** The key prefix holding all archives of a source, or of one tenant of it. */
export function tenantPrefix(source: string, tenant?: string): string {
  return tenant === undefined ? `${source}/` : `${source}/${tenantKeyPart(tenant)}/`;
}
