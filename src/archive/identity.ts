/**
 * Whose archive this is, decided by its storage key alone (SPEC.md "Archives": the sidecar and
 * the manifest are untrusted input). Anyone who can write to the storage can edit a sidecar, so
 * a restore takes source and tenant from the key, and an archive whose sidecar or inner
 * manifest.json names another id, source, tenant or object is refused as damaged (exit 5) by
 * verify and restore alike, before anything is read into a target.
 */
import { isDeepStrictEqual } from 'node:util';
import { VerificationError } from '../errors.js';
import { archiveKey, keyNamesTenant, parseArchiveId, type ArchiveRef } from './layout.js';
import type { Manifest, Sidecar } from './manifest.js';

/** The archive's own description names another archive (exit 5, like any damage). */
export class IdentityMismatchError extends VerificationError {}

const HINT = 'the sidecar or the archive was edited or swapped in the storage; use another archive (`orgbackup list`)';

/** What disagrees between two descriptions of one archive, as `field: "a" here, "b" there` lines. */
function differences(fields: readonly [string, unknown, unknown][]): string[] {
  return fields.filter(([, a, b]) => a !== b).map(([field, a, b]) => `${field} ${JSON.stringify(a)} (the key says ${JSON.stringify(b)})`);
}

/**
 * The sidecar read from `<id>.manifest.json` must describe that id: same id, source, tenant, and
 * an object key that is this id's archive key (encrypted exactly when the sidecar says so).
 * Returns the key's reference, the only one a caller should act on.
 */
export function checkSidecarIdentity(id: string, sidecar: Sidecar, storage: string): ArchiveRef {
  const ref = parseArchiveId(id);
  if (!ref) throw new VerificationError(`"${id}" is not an archive id`, { hint: HINT });
  const wrong = differences([
    ['id', sidecar.id, id],
    ['source', sidecar.source?.name, ref.source],
    // A hashed key part does not say the tenant: the sidecar's tenant must hash to it.
    ['tenant', keyNamesTenant(ref, sidecar.tenant?.id) ? ref.tenant : sidecar.tenant?.id, ref.tenant],
    ['object key', sidecar.object.key, archiveKey(id, !!sidecar.encryption)],
  ]);
  if (wrong.length > 0) {
    throw new IdentityMismatchError(`the sidecar manifest of ${id} in storage "${storage}" names another archive: ${wrong.join('; ')}; refusing it`, { hint: HINT });
  }
  return ref.hashedTenant ? { source: ref.source, tenant: sidecar.tenant.id, timestamp: ref.timestamp } : ref;
}

/**
 * manifest.json inside the archive must be the sidecar as the writer made it, the fields about
 * the stored object aside: `object`, and `encryption`, whose recipients change when the object
 * is re-encrypted to a new key with stock age (README "Key rotation"). The named fields (the
 * ones that steer a restore) are reported by name, then any other that differs.
 */
export function checkInnerManifest(inner: Manifest, sidecar: Sidecar, what: string): void {
  const { object: _object, encryption: _outerEncryption, ...outer } = sidecar;
  const { encryption: _innerEncryption, ...contents } = inner;
  const named: [string, unknown, unknown][] = [
    ['id', inner.id, outer.id],
    ['source', inner.source?.name, outer.source?.name],
    ['tenant', inner.tenant?.id, outer.tenant?.id],
    ['tenant mode', inner.tenant?.mode, outer.tenant?.mode],
  ];
  const wrong = named.filter(([, a, b]) => a !== b).map(([field, a, b]) => `${field} ${JSON.stringify(a)} (its sidecar says ${JSON.stringify(b)})`);
  if (wrong.length === 0 && !isDeepStrictEqual(contents, outer)) {
    const keys = [...new Set([...Object.keys(contents), ...Object.keys(outer)])];
    const fields = keys.filter((k) => !isDeepStrictEqual((contents as Record<string, unknown>)[k], (outer as Record<string, unknown>)[k]));
    wrong.push(`${fields.join(', ')} differ from its sidecar`);
  }
  if (wrong.length > 0) throw new IdentityMismatchError(`${what}: manifest.json inside the archive describes another archive: ${wrong.join('; ')}`, { hint: HINT });
}

/**
 * The archive's tenant mode picks the restore path (a whole database, a schema, rows, a directory),
 * and the key cannot carry it: an archive rebuilt with another mode must not steer a restore into
 * another place (mode `none` in a database-mode source would replace the configured database).
 */
export function checkModeMatchesSource(sidecar: Sidecar, source: { name: string; mode: string }): void {
  if (sidecar.tenant.mode === source.mode) return;
  throw new IdentityMismatchError(`archive ${sidecar.id} was made in tenant mode "${sidecar.tenant.mode}", but source ${source.name} is configured with mode "${source.mode}"; nothing was restored`, {
    hint: 'an archive restores only into a source of its own mode: if the config changed, restore it with a config of the mode it was made in (and --target to restore beside)',
  });
}
