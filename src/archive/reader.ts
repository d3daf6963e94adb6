/**
 * Reads a stored archive in one streaming pass: the object's bytes are hashed (level 1) while they
 * are decrypted and unzipped, and every entry's bytes are hashed as the consumer reads them
 * (level 2). Any mismatch surfaces as a VerificationError naming the archive.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { drainOrClose } from '../util/streams.js';
import { createHash } from 'node:crypto';
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../errors.js';
import type { Storage } from '../storage/types.js';
import type { Decryptor } from '../crypto/types.js';
import { HashingStream } from './hashing.js';
import { checkInnerManifest, IdentityMismatchError } from './identity.js';
import { sha256sums, unescapedSha256sums, type Manifest, type Sidecar } from './manifest.js';
import { readZipStream, type ZipEntry } from './zip-reader.js';

export interface ReadOptions {
  decryptor?: Decryptor;
  signal?: AbortSignal;
}

/** Raised when the stored object's size or sha256 differ from the sidecar (verify level 1). */
export class ObjectMismatchError extends VerificationError {}

/**
 * Yields the archive's data entries in order (manifest.json and SHA256SUMS are checked against
 * the sidecar, not yielded). A body that does not match its recorded sha256 throws when it ends;
 * after the last entry the whole object's size and sha256 are checked.
 */
export async function* archiveEntries(storage: Storage, sidecar: Sidecar, options: ReadOptions = {}): AsyncGenerator<ZipEntry> {
  const what = `archive ${sidecar.id}`;
  const raw = await storage.get(sidecar.object.key, { signal: options.signal });
  const objectHasher = new HashingStream();
  raw.on('error', (error) => objectHasher.destroy(error)).pipe(objectHasher);
  let plain: Readable = objectHasher;
  if (sidecar.encryption) {
    if (!options.decryptor) {
      // Level 1 needs no key: the stored bytes are still checked against the sidecar.
      await drained(objectHasher);
      checkObject(objectHasher, sidecar, what);
      throw new VerificationError(`${what} is encrypted and no identity is configured`, {
        hint: 'set encryption.identityFile (or identity / passphraseFile) in the config to the key that matches its recipients',
      });
    }
    plain = options.decryptor.decrypt(objectHasher, what);
  }
  const expected = new Map(sidecar.entries.map((e) => [e.name, e]));
  const sizes = new Map(sidecar.entries.map((e) => [e.name, e.size]));
  const seen = new Set<string>();
  try {
    for await (const entry of readZipStream(plain, sizes, what)) {
      if (entry.name === 'manifest.json' || entry.name === 'SHA256SUMS') {
        checkMetadataEntry(entry.name, await collect(entry.body), sidecar, what);
        continue;
      }
      const want = expected.get(entry.name);
      if (!want) throw new VerificationError(`${what} holds entry ${entry.name}, which its manifest does not list`, { hint: DAMAGED_ARCHIVE_HINT });
      seen.add(entry.name);
      yield { name: entry.name, size: entry.size, body: checkedBody(entry.body, want.sha256, `${what}: entry ${entry.name}`) };
    }
  } catch (error) {
    // A damaged object usually shows first as a zip or decryption error; report the root cause
    // (level 1: the stored bytes differ from the sidecar) when that is what it is.
    // A small object may be read to its end already (and auto-destroyed): still check it.
    if (!options.signal?.aborted && !objectHasher.errored && (objectHasher.readableEnded || !objectHasher.destroyed)) {
      plain.resume();
      objectHasher.unpipe();
      await drained(objectHasher);
      checkObject(objectHasher, sidecar, what, error);
    }
    throw error;
  }
  await drained(objectHasher);
  checkObject(objectHasher, sidecar, what);
  const missing = sidecar.entries.filter((e) => !seen.has(e.name));
  if (missing.length > 0) throw new VerificationError(`${what} lacks entries its manifest lists: ${missing.map((e) => e.name).join(', ')}`, { hint: DAMAGED_ARCHIVE_HINT });
}

function drained(stream: HashingStream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (stream.readableEnded) return resolve();
    stream.once('end', resolve).once('error', reject);
    stream.resume();
  });
}

/** `seen`, what reading found first, can say what the bytes are instead: another archive. */
function checkObject(hasher: HashingStream, sidecar: Sidecar, what: string, seen?: unknown): void {
  const found = seen instanceof IdentityMismatchError ? `; ${seen.message.replace(`${what}: `, '')}` : '';
  if (hasher.bytes !== sidecar.object.size) {
    throw new ObjectMismatchError(`${what}: stored object is ${hasher.bytes} bytes, its sidecar says ${sidecar.object.size}${found}`, {
      hint: 'the object was truncated or replaced; use another archive',
    });
  }
  if (hasher.sha256 !== sidecar.object.sha256) {
    throw new ObjectMismatchError(`${what}: stored object's sha256 does not match its sidecar (the bytes were altered)${found}`, { hint: 'the archive is damaged; use another archive' });
  }
}

async function* checkedBody(body: AsyncIterable<Buffer>, sha256: string, what: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
  if (hash.digest('hex') !== sha256) throw new VerificationError(`${what} does not match its sha256 (the data was altered)`, { hint: 'the archive is damaged; use another archive' });
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function checkMetadataEntry(name: string, data: Buffer, sidecar: Sidecar, what: string): void {
  if (name === 'SHA256SUMS') {
    const text = data.toString('utf8');
    if (text !== sha256sums(sidecar.entries) && text !== unescapedSha256sums(sidecar.entries))
      throw new VerificationError(`${what}: SHA256SUMS differs from the sidecar manifest`, { hint: DAMAGED_ARCHIVE_HINT });
    return;
  }
  let inner: Manifest;
  try {
    inner = JSON.parse(data.toString('utf8')) as Manifest;
  } catch {
    throw new VerificationError(`${what}: manifest.json inside the archive is not valid JSON`, { hint: DAMAGED_ARCHIVE_HINT });
  }
  checkInnerManifest(inner, sidecar, what);
}

/** A Node stream of an entry body, for tools that read stdin. */
export function entryStream(body: AsyncIterable<Buffer>): Readable {
  return checkedEntryStream(body).stream;
}

/**
 * An entry body as a Node stream for a tool's stdin, plus `done`, which rejects when the body
 * fails (damage found at its end). The stream itself just ends then, so a tool reading it sees
 * end of input instead of hanging on a pipe that never closes; the caller reports `done`'s error.
 */
export function checkedEntryStream(body: AsyncIterable<Buffer>): { stream: Readable; done: Promise<void> } {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const done = (async () => {
    try {
      for await (const chunk of body) {
        if (out.destroyed) return;
        if (!out.write(chunk)) await drainOrClose(out);
      }
    } finally {
      out.end();
    }
  })();
  done.catch(() => undefined);
  return { stream: out, done };
}

/** Whether the stored object still has the size and sha256 its sidecar records (verify level 1). */
export async function objectMatchesSidecar(storage: Storage, sidecar: Sidecar, signal?: AbortSignal): Promise<boolean> {
  const hasher = new HashingStream();
  const raw = await storage.get(sidecar.object.key, { signal });
  await pipeline(raw, hasher, new Writable({ write: (_chunk, _encoding, callback) => callback() }), { signal });
  return hasher.bytes === sidecar.object.size && hasher.sha256 === sidecar.object.sha256;
}
