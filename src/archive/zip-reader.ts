/**
 * Reads a zip written by ArchiveWriter as a stream, front to back, without seeking: the way an
 * archive arrives from S3, rclone or age decryption. Data entries are written with a data
 * descriptor (their size is not known up front), so their sizes come from the sidecar manifest
 * instead of a fragile search for the descriptor signature inside binary data.
 */
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../errors.js';
import { assertSafeEntryName } from './entry-names.js';

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_MAGIC = 0xffffffff;

export interface ZipEntry {
  name: string;
  size: number;
  /** The entry's bytes; consume it before asking for the next entry (or it is skipped). */
  body: AsyncIterable<Buffer>;
}

class ChunkReader {
  private chunks: Buffer[] = [];
  private length = 0;
  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly what: string,
  ) {}

  private async fill(n: number): Promise<boolean> {
    while (this.length < n) {
      const next = await this.source.next();
      if (next.done) return false;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    return true;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  async readExact(n: number): Promise<Buffer> {
    if (!(await this.fill(n))) throw truncated(this.what);
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = [all.subarray(n)];
    }
    this.length -= n;
    return out;
  }

  /** Up to `max` bytes (at least one); throws when the source ends first. */
  async next(max: number): Promise<Buffer> {
    if (this.length === 0 && !(await this.fill(1))) throw truncated(this.what);
    let chunk = this.chunks.shift()!;
    while (chunk.length === 0) chunk = this.chunks.shift()!;
    const take = Math.min(chunk.length, max);
    if (take < chunk.length) this.chunks.unshift(chunk.subarray(take));
    this.length -= take;
    return chunk.subarray(0, take);
  }

  async drain(): Promise<void> {
    this.chunks = [];
    this.length = 0;
    for (;;) if ((await this.source.next()).done) return;
  }
}

function truncated(what: string): VerificationError {
  return new VerificationError(`${what} is truncated: the zip ended in the middle of an entry`, {
    hint: 'the stored object is incomplete or damaged; use another archive',
  });
}

/**
 * Yields each entry in order. `knownSizes` maps data entry names to sizes (from the sidecar);
 * an entry with a data descriptor that is not in it is reported as damage.
 */
export async function* readZipStream(source: AsyncIterable<Buffer>, knownSizes: ReadonlyMap<string, number>, what: string): AsyncGenerator<ZipEntry> {
  const reader = new ChunkReader(source[Symbol.asyncIterator](), what);
  let read = false;
  try {
    for (;;) {
      if (await reader.atEnd()) throw truncated(what);
      const signature = (await reader.readExact(4)).readUInt32LE(0);
      if (signature === CENTRAL_HEADER || signature === END_OF_CENTRAL || signature === ZIP64_END) break;
      if (signature !== LOCAL_HEADER) throw new VerificationError(`${what} is not a valid orgbackup zip (unexpected bytes where an entry should start)`, { hint: DAMAGED_ARCHIVE_HINT });
      const header = await reader.readExact(26);
      const flags = header.readUInt16LE(2);
      const method = header.readUInt16LE(4);
      const headerSize = header.readUInt32LE(14);
      const name = (await reader.readExact(header.readUInt16LE(22))).toString('utf8');
      await reader.readExact(header.readUInt16LE(24));
      try {
        assertSafeEntryName(name);
      } catch {
        throw new VerificationError(`${what} holds an unsafe entry name "${name}" (absolute or with ".."); refusing it`, { hint: DAMAGED_ARCHIVE_HINT });
      }
      if (method !== 0) throw new VerificationError(`${what}: entry ${name} uses zip method ${method}; orgbackup archives store entries uncompressed`, { hint: DAMAGED_ARCHIVE_HINT });
      const hasDescriptor = (flags & 0x08) !== 0;
      const size = hasDescriptor ? knownSizes.get(name) : headerSize;
      if (size === undefined || size === ZIP64_MAGIC) {
        throw new VerificationError(`${what}: entry ${name} is not listed in the manifest`, { hint: 'the archive does not match its sidecar manifest' });
      }
      let left = size;
      const body: AsyncIterable<Buffer> = {
        async *[Symbol.asyncIterator]() {
          while (left > 0) {
            const chunk = await reader.next(left);
            left -= chunk.length;
            yield chunk;
          }
        },
      };
      yield { name, size, body };
      // Whatever the consumer left unread is skipped, so the next header is found where it starts.
      while (left > 0) left -= (await reader.next(left)).length;
      if (hasDescriptor) {
        const descriptor = await reader.readExact(size > ZIP64_MAGIC ? 24 : 16);
        if (descriptor.readUInt32LE(0) !== DATA_DESCRIPTOR) {
          throw new VerificationError(`${what}: entry ${name} has a different size than its manifest says`, { hint: 'the archive or its sidecar was altered' });
        }
      }
    }
    read = true;
  } finally {
    // The rest of the object is always read, however this ends: damage found here, an entry body
    // that failed in the consumer's hands, or a consumer that stopped (a generator's `return`
    // runs no catch block, only this). The caller can then hash all of it and report the root
    // cause (the stored bytes differ from the sidecar); left unread, the source would never end,
    // as a stream with an async iterator attached does not flow again on resume(), and the run
    // would hang. Only when the zip itself read cleanly does a failure to drain count.
    if (read) await reader.drain();
    else await reader.drain().catch(() => undefined);
  }
}
