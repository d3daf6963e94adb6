/**
 * Whether the object a replayed put met under its key is the one an earlier attempt of the same
 * put stored (issue 22): the server took the whole body and then its answer was lost, so the
 * attempt failed "transiently" although the object is there. The object is read back and compared
 * with the body (a Buffer, or a fresh read of the spooled archive) by size and sha256: only the
 * same bytes count as success; anything else under the key is another writer's and stays an error.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Storage, StorageOptions } from './types.js';

export interface Digest {
  size: number;
  sha256: string;
}

/** Size and sha256 of a stream, read to its end. */
export async function digestStream(stream: Readable): Promise<Digest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * The object's size when `key` holds exactly `body`'s bytes, else undefined. A read that fails
 * also gives undefined: the caller then reports the "already exists" it met.
 */
export async function sizeIfOwnObject(storage: Storage, key: string, body: Buffer | (() => Promise<Readable>), options: StorageOptions): Promise<number | undefined> {
  const { signal } = options;
  try {
    if (Buffer.isBuffer(body)) {
      const stored = await storage.getBuffer(key, { signal });
      return stored.equals(body) ? stored.length : undefined;
    }
    const [expected, stored] = await Promise.all([body().then(digestStream), storage.get(key, { signal }).then(digestStream)]);
    return expected.size === stored.size && expected.sha256 === stored.sha256 ? stored.size : undefined;
  } catch {
    return undefined;
  }
}
