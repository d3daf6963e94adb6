/**
 * An archive file brought from elsewhere (a download made with `get`, a copy from another
 * installation) seen as a read-only one-archive storage, so that verify, import and restore read
 * it with the very code they read stored archives with. It has no sidecar: the sidecar is made
 * from the manifest.json inside the zip (read from its end, zip-tail.ts) and the file's own size
 * and sha256, then checked like any sidecar (identity.ts); the full verification that follows
 * (verify.ts) checks every entry, SHA256SUMS and the manifest against it.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Decryptor } from '../crypto/types.js';
import { OrgbackupError, ExitCode, UsageError, VerificationError, errorMessage } from '../errors.js';
import { NotFoundError, type ObjectInfo, type Storage } from '../storage/types.js';
import { resolveArchive, type ArchiveListing } from './catalog.js';
import { HashingStream } from './hashing.js';
import { checkSidecarIdentity } from './identity.js';
import { archiveKey, sidecarKey } from './layout.js';
import type { Manifest, Sidecar } from './manifest.js';
import { readEntryFromEnd, type ReadRange } from './zip-tail.js';

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n', 'latin1');
/** How much of an encrypted file's plaintext end is kept to find its manifest (one decrypting pass). */
const ENCRYPTED_TAIL = 64 * 1024 * 1024;

export interface ArchiveFile {
  storage: Storage;
  listing: ArchiveListing;
  sidecar: Sidecar;
  path: string;
}

/** The name a file archive's storage goes by in messages and results. */
export const FILE_STORAGE = 'file';

/** Opens `filePath` as an archive: exit 5 when it is not one or is damaged, exit 2 when it is encrypted and no key is configured. */
export async function openArchiveFile(filePath: string, decryptor: Decryptor | undefined, signal: AbortSignal): Promise<ArchiveFile> {
  const what = `file ${filePath}`;
  const info = await stat(filePath).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${what}: ${error.code === 'ENOENT' ? 'no such file' : errorMessage(error)}`, { hint: 'check the path (a relative one is taken from the current directory)' });
  });
  if (!info.isFile()) throw new UsageError(`${what} is not a regular file`, { hint: 'pass the archive file itself (.zip or .zip.age)' });
  const head = await readHead(filePath, AGE_MAGIC.length);
  const encrypted = head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC);
  if (!encrypted && !head.subarray(0, 4).equals(ZIP_MAGIC)) {
    throw new VerificationError(`${what} is not an orgbackup archive (neither a zip nor an age-encrypted file); nothing was read from it`, {
      hint: 'pass a file written by orgbackup (`orgbackup get`, or an archive object copied from a storage)',
    });
  }
  if (encrypted && !decryptor) {
    throw new UsageError(`${what} is encrypted (age) and no identity is configured, so its manifest cannot be read; nothing was done`, {
      hint: 'set encryption.identityFile (or identity / passphraseFile) in the config to the key it was encrypted to',
    });
  }
  const { manifestBytes, size, sha256 } = encrypted ? await readEncrypted(filePath, decryptor!, what, signal) : await readPlain(filePath, info.size, what, signal);
  const sidecar = sidecarOf(parseManifest(manifestBytes, what), { size, sha256 }, encrypted);
  checkSidecarIdentity(sidecar.id, sidecar, FILE_STORAGE);
  const storage = new FileArchiveStorage(filePath, sidecar, info.mtime);
  const listing = await resolveArchive(storage, sidecar.id, { signal });
  return { storage, listing, sidecar, path: filePath };
}

async function readHead(filePath: string, length: number): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readPlain(filePath: string, length: number, what: string, signal: AbortSignal): Promise<{ manifestBytes: Buffer; size: number; sha256: string }> {
  const handle = await open(filePath, 'r');
  try {
    const readRange: ReadRange = async (start, count) => {
      const buffer = Buffer.alloc(count);
      const { bytesRead } = await handle.read(buffer, 0, count, start);
      return buffer.subarray(0, bytesRead);
    };
    const manifestBytes = await readEntryFromEnd(readRange, length, 'manifest.json', what);
    const hasher = new HashingStream();
    await pipeline(createReadStream(filePath), hasher, discard(), { signal });
    return { manifestBytes, size: hasher.bytes, sha256: hasher.sha256 };
  } finally {
    await handle.close();
  }
}

/** One pass: the stored bytes are hashed while they are decrypted, and the plaintext's end is kept. */
async function readEncrypted(filePath: string, decryptor: Decryptor, what: string, signal: AbortSignal): Promise<{ manifestBytes: Buffer; size: number; sha256: string }> {
  const hasher = new HashingStream();
  const tail = new TailKeeper(ENCRYPTED_TAIL);
  const raw = createReadStream(filePath);
  raw.on('error', (error) => hasher.destroy(error)).pipe(hasher);
  await pipeline(decryptor.decrypt(hasher, what), tail, { signal });
  const tailStart = tail.total - tail.buffer.length;
  const readRange: ReadRange = async (start, count) => {
    if (start < tailStart) {
      throw new OrgbackupError(`${what}: its manifest lies more than ${ENCRYPTED_TAIL / 1024 / 1024} MiB before the end of the archive; nothing was done`, ExitCode.failed, {
        hint: 'decrypt it with stock age first (age -d -i KEY FILE > archive.zip) and pass the .zip',
      });
    }
    return tail.buffer.subarray(start - tailStart, start - tailStart + count);
  };
  const manifestBytes = await readEntryFromEnd(readRange, tail.total, 'manifest.json', what);
  return { manifestBytes, size: hasher.bytes, sha256: hasher.sha256 };
}

/** Keeps the last `limit` bytes written to it (and counts them all). */
class TailKeeper extends Writable {
  total = 0;
  private chunks: Buffer[] = [];
  private kept = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    this.total += chunk.length;
    while (this.chunks.length > 1 && this.kept - this.chunks[0]!.length >= this.limit) this.kept -= this.chunks.shift()!.length;
    callback();
  }
  get buffer(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

function parseManifest(bytes: Buffer, what: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new VerificationError(`${what}: its manifest.json is not valid JSON; the archive is damaged`, { hint: 'use another copy of the archive' });
  }
  const m = parsed as Partial<Manifest> | null;
  const looksRight =
    typeof m === 'object' &&
    m !== null &&
    m.tool?.name === 'orgbackup' &&
    typeof m.id === 'string' &&
    Array.isArray(m.entries) &&
    typeof m.source?.name === 'string' &&
    typeof m.tenant?.id === 'string';
  if (!looksRight) throw new VerificationError(`${what} is not an orgbackup archive (its manifest.json is not an orgbackup manifest)`, { hint: 'pass a file written by orgbackup' });
  return m as Manifest;
}

/**
 * The sidecar a storage would hold for this file. Whether it is encrypted is what the bytes are
 * (a copy decrypted with stock age is a plain archive), whatever the manifest inside says.
 */
function sidecarOf(manifest: Manifest, object: { size: number; sha256: string }, encrypted: boolean): Sidecar {
  const { encryption, ...rest } = manifest;
  return {
    ...rest,
    ...(encrypted ? { encryption: encryption ?? { recipients: [], passphrase: false } } : {}),
    object: { key: archiveKey(manifest.id, encrypted), ...object },
  };
}

/** The file as a storage holding one archive: its object (the file) and its sidecar (made above). */
class FileArchiveStorage implements Storage {
  readonly name = FILE_STORAGE;
  readonly type = 'file';
  readonly location: string;
  private readonly sidecarBytes: Buffer;
  constructor(
    private readonly filePath: string,
    private readonly sidecar: Sidecar,
    private readonly modified: Date,
  ) {
    this.location = filePath;
    this.sidecarBytes = Buffer.from(JSON.stringify(sidecar));
  }
  put(): Promise<{ size: number }> {
    return Promise.reject(new Error('internal: an archive file is read-only'));
  }
  delete(): Promise<void> {
    return Promise.reject(new Error('internal: an archive file is read-only'));
  }
  get(key: string): Promise<Readable> {
    if (key !== this.sidecar.object.key) return Promise.reject(new NotFoundError(this.name, key));
    return Promise.resolve(createReadStream(this.filePath));
  }
  getBuffer(key: string): Promise<Buffer> {
    if (key !== sidecarKey(this.sidecar.id)) return Promise.reject(new NotFoundError(this.name, key));
    return Promise.resolve(this.sidecarBytes);
  }
  exists(key: string): Promise<boolean> {
    return Promise.resolve(key === this.sidecar.object.key || key === sidecarKey(this.sidecar.id));
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const objects: ObjectInfo[] = [
      { key: this.sidecar.object.key, size: this.sidecar.object.size, modified: this.modified },
      { key: sidecarKey(this.sidecar.id), size: this.sidecarBytes.length, modified: this.modified },
    ];
    for (const object of objects) if (object.key.startsWith(prefix)) yield await Promise.resolve(object);
  }
}

/**
 * `restore` takes a file instead of an archive id when the argument ends in `.zip` or `.age`, or
 * starts with `/`, `./` or `../`: archive ids never do (they end with a timestamp and start with a
 * source name), so the choice never depends on which files happen to exist.
 */
export function namesArchiveFile(argument: string): boolean {
  return /\.(zip|age)$/.test(argument) || /^(\/|\.\.?\/)/.test(argument);
}
