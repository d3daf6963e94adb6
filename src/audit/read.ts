/** Reads the trail: every object under `_audit/` of the audit storage, never an archive. */
import type { Storage } from '../storage/types.js';
import { AUDIT_PREFIX } from './trail.js';

export interface AuditObject {
  key: string;
  text: string;
}

/** Every audit object, oldest key first (keys start with the run's UTC time). */
export async function trailKeys(storage: Storage, signal?: AbortSignal): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list(AUDIT_PREFIX, { signal })) if (object.key.endsWith('.ndjson')) keys.push(object.key);
  return keys.sort();
}

/** The newest audit object (the largest key), or undefined for an empty trail: a listing and one read. */
export async function readNewest(storage: Storage, signal?: AbortSignal): Promise<AuditObject | undefined> {
  const key = (await trailKeys(storage, signal)).at(-1);
  return key === undefined ? undefined : { key, text: (await storage.getBuffer(key, { signal })).toString('utf8') };
}

export async function readTrail(storage: Storage, signal?: AbortSignal): Promise<AuditObject[]> {
  const keys = await trailKeys(storage, signal);
  const objects: AuditObject[] = [];
  for (const key of keys) objects.push({ key, text: (await storage.getBuffer(key, { signal })).toString('utf8') });
  return objects;
}
