/** Reads the trail: every object under `_audit/` of the audit storage, never an archive. */
import type { Storage } from '../storage/types.js';
import { AUDIT_PREFIX } from './trail.js';

export interface AuditObject {
  key: string;
  text: string;
}

/** Every audit object, oldest key first (keys start with the run's UTC time). */
export async function readTrail(storage: Storage, signal?: AbortSignal): Promise<AuditObject[]> {
  const keys: string[] = [];
  for await (const object of storage.list(AUDIT_PREFIX, { signal })) if (object.key.endsWith('.ndjson')) keys.push(object.key);
  keys.sort();
  const objects: AuditObject[] = [];
  for (const key of keys) objects.push({ key, text: (await storage.getBuffer(key, { signal })).toString('utf8') });
  return objects;
}
