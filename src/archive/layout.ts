/**
 * Archive ids and storage keys (SPEC.md "Archives"). An id is `<source>/<tenant>/<timestamp>`
 * with the tenant percent-encoded so that no tenant id can make `.`, `..` or `/`; keys are the id
 * plus `.zip` / `.zip.age` for the archive and `.manifest.json` for the sidecar (the commit marker).
 */
import { UsageError } from '../errors.js';

export const ARCHIVE_SUFFIX = '.zip';
export const ENCRYPTED_SUFFIX = '.zip.age';
export const SIDECAR_SUFFIX = '.manifest.json';

export interface ArchiveRef {
  source: string;
  /** The tenant id as the source knows it (decoded). */
  tenant: string;
  /** UTC timestamp, `YYYY-MM-DDTHH-mm-ss.SSSZ`. */
  timestamp: string;
}

const PASS = /[A-Za-z0-9._-]/;

/** Percent-encodes everything outside [A-Za-z0-9._-], and a leading `.`. */
export function encodeTenant(tenant: string): string {
  if (tenant === '') throw new UsageError('a tenant id cannot be empty');
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

export function archiveId(ref: ArchiveRef): string {
  return `${ref.source}/${encodeTenant(ref.tenant)}/${ref.timestamp}`;
}

const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENCODED_TENANT = /^(?!\.)(?:[A-Za-z0-9._-]|%[0-9A-F]{2})+$/;

/** Parses `<source>/<tenant>/<timestamp>`; undefined when it is not one. */
export function parseArchiveId(id: string): ArchiveRef | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [source, tenant, timestamp] = parts as [string, string, string];
  if (!SOURCE_NAME.test(source) || !ENCODED_TENANT.test(tenant) || !parseTimestamp(timestamp)) return undefined;
  // Only the one encoding orgbackup writes: `%61cme` is not a second name for tenant `acme`.
  const decoded = decodeTenant(tenant);
  return encodeTenant(decoded) === tenant ? { source, tenant: decoded, timestamp } : undefined;
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
  return tenant === undefined ? `${source}/` : `${source}/${encodeTenant(tenant)}/`;
}
