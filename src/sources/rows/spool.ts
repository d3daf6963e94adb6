/**
 * A disk spool that splits one table's rows, read for many tenants in one pass, into per-tenant
 * segments (rows mode, engine-neutral). The input is COPY text whose every line starts with the
 * tenant's index and a tab (`7\t<row>\n`); the router strips that field and appends the row to the
 * tenant's buffer, and full buffers go to one append-only spool file in big sequential writes.
 * A segment remembers where its pieces are, its row count, the sha256 of its text and the
 * order-independent digest of its rows (digest.ts), so a tenant's archive entry can later be read
 * back in order without rescanning the table.
 *
 * Why: reading every table once (one sequential scan) for all selected tenants is far cheaper than
 * one index scan per table per tenant, and the spool keeps memory bounded whatever the data size.
 *
 * The file is encrypted (AES-256-CTR) with a key made for this spool and held only in memory: a
 * run killed with SIGKILL cannot remove it, and until a later run does, it must not hold every
 * tenant's rows in the clear (the archives themselves may be age-encrypted). CTR lets any piece
 * be read back on its own, from its position.
 */
import { createCipheriv, createHash, randomBytes, type Cipher, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { RowDigest } from './digest.js';

export interface Segment {
  rows: number;
  bytes: number;
  sha256: string;
  /** Order-independent digest of the rows (digest.ts). */
  digest: string;
  /** [position, length] of each piece in the spool file, in order. */
  pieces: [number, number][];
}

/** Memory held in per-tenant buffers at most, whatever the number of tenants. */
const BUFFERED_BYTES = 16 * 1024 * 1024;
const MIN_BUFFER = 4 * 1024;
const MAX_BUFFER = 64 * 1024;
/** Filled buffers are written out once this much is waiting. */
const WRITE_BATCH_BYTES = 1024 * 1024;

interface OpenSegment {
  rows: number;
  bytes: number;
  hash: Hash;
  digest: RowDigest;
  pieces: [number, number][];
  buffer: Buffer | undefined;
  used: number;
}

export class RowSpool {
  private position = 0;
  private readonly segments = new Map<string, Segment>();
  private readonly bufferSize: number;
  /**
   * Written-out buffers, reused: allocating a fresh one per flush leaves the garbage collector
   * hundreds of MiB of dead buffers to find, and the process's RSS grows with them.
   */
  private readonly free: Buffer[] = [];
  private readonly key = randomBytes(32);
  private readonly iv = randomBytes(16);

  private constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
    readonly tenantCount: number,
  ) {
    this.bufferSize = Math.max(MIN_BUFFER, Math.min(MAX_BUFFER, Math.floor(BUFFERED_BYTES / Math.max(1, tenantCount))));
  }

  static async create(dir: string, tenantCount: number): Promise<RowSpool> {
    const file = path.join(dir, `rows-spool-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
    const handle = await open(file, 'w+', 0o600);
    return new RowSpool(file, handle, tenantCount);
  }

  /** Bytes written to the spool file so far. */
  get size(): number {
    return this.position;
  }

  /** The segment of `table` for tenant `index`; an empty one when the table had no rows of it. */
  segment(table: string, index: number): Segment {
    return this.segments.get(key(table, index)) ?? EMPTY;
  }

  /**
   * A writable for one table's keyed COPY text; its segments are complete once it has finished.
   * Tables must be routed one after another (one writable at a time).
   */
  router(table: string): Writable {
    return new TableRouter(this, table, this.tenantCount, this.bufferSize);
  }

  /** Drops the reusable buffers once every table is routed. */
  routingDone(): void {
    this.free.length = 0;
  }

  /** @internal a buffer of the spool's buffer size, reused when one is free. */
  takeBuffer(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.bufferSize);
  }

  /** @internal gives back buffers whose bytes are in the file (other sizes are left to the GC). */
  giveBack(buffers: readonly Buffer[]): void {
    for (const b of buffers) if (b.buffer.byteLength === this.bufferSize && b.byteOffset === 0) this.free.push(Buffer.from(b.buffer, 0, this.bufferSize));
  }

  /** @internal appends buffers at the end of the spool file. */
  async append(buffers: Buffer[]): Promise<number> {
    const at = this.position;
    const length = buffers.reduce((sum, b) => sum + b.length, 0);
    this.position += length;
    const cipher = this.cipherAt(at);
    const sealed = buffers.map((b) => cipher.update(b));
    let written = 0;
    while (written < length) {
      const { bytesWritten } = await this.handle.writev(skipBytes(sealed, written), at + written);
      written += bytesWritten;
    }
    return at;
  }

  /** @internal */
  finishSegment(table: string, index: number, segment: Segment): void {
    this.segments.set(key(table, index), segment);
  }

  /** A segment's whole text, for segments small enough to hold in memory. */
  async read(segment: Segment): Promise<Buffer> {
    const out = Buffer.allocUnsafe(segment.bytes);
    let offset = 0;
    for (const [at, length] of segment.pieces) {
      await this.readFully(out, offset, length, at);
      offset += length;
    }
    return out;
  }

  /** A segment's text as a stream, a piece (or a run of adjacent pieces, up to 1 MiB) at a time. */
  stream(segment: Segment): Readable {
    return Readable.from(this.pieces(segment), { objectMode: false });
  }

  private async *pieces(segment: Segment): AsyncGenerator<Buffer> {
    for (const [at, length] of coalesce(segment.pieces, 1024 * 1024)) {
      const buffer = Buffer.allocUnsafe(length);
      await this.readFully(buffer, 0, length, at);
      yield buffer;
    }
  }

  /** Reads and decrypts `length` bytes at `position` into `buffer` at `offset`. */
  private async readFully(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, offset + done, length - done, position + done);
      if (bytesRead === 0) throw new Error(`internal: the rows spool ${this.file} ended early`);
      done += bytesRead;
    }
    this.cipherAt(position)
      .update(buffer.subarray(offset, offset + length))
      .copy(buffer, offset);
  }

  /** The CTR keystream from byte `position` of the file (encrypting and decrypting are the same). */
  private cipherAt(position: number): Cipher {
    const counter = (BigInt('0x' + this.iv.toString('hex')) + BigInt(Math.floor(position / 16))) % (1n << 128n);
    const cipher = createCipheriv('aes-256-ctr', this.key, Buffer.from(counter.toString(16).padStart(32, '0'), 'hex'));
    if (position % 16 > 0) cipher.update(Buffer.alloc(position % 16));
    return cipher;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.file, { force: true });
  }
}

const EMPTY: Segment = { rows: 0, bytes: 0, sha256: createHash('sha256').digest('hex'), digest: new RowDigest().hex, pieces: [] };

function key(table: string, index: number): string {
  return `${index}\u0000${table}`;
}

function skipBytes(buffers: Buffer[], skip: number): Buffer[] {
  if (skip === 0) return buffers;
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) skip -= b.length;
    else {
      out.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
  }
  return out;
}

/** Merges pieces that lie back to back in the file into reads of at most `limit` bytes. */
function coalesce(pieces: readonly [number, number][], limit: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [at, length] of pieces) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === at && last[1] + length <= limit) last[1] += length;
    else out.push([at, length]);
  }
  return out;
}

/** Splits keyed COPY lines by tenant index into per-tenant buffers, flushing full ones. */
class TableRouter extends Writable {
  private readonly segments: (OpenSegment | undefined)[];
  private carry: Buffer[] = [];
  private waiting: { index: number; buffer: Buffer }[] = [];
  private waitingBytes = 0;

  constructor(
    private readonly spool: RowSpool,
    private readonly table: string,
    tenantCount: number,
    private readonly bufferSize: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.segments = new Array<OpenSegment | undefined>(tenantCount);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.route(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (this.waitingBytes < WRITE_BATCH_BYTES) callback();
    else this.writeWaiting().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.carry.length > 0) {
      callback(new Error(`internal: the keyed COPY of ${this.table} ended inside a row`));
      return;
    }
    this.segments.forEach((segment, index) => {
      if (segment && segment.used > 0) this.queue(index, segment.buffer!.subarray(0, segment.used));
    });
    this.writeWaiting().then(() => {
      this.segments.forEach((segment, index) => {
        if (segment) this.spool.finishSegment(this.table, index, { rows: segment.rows, bytes: segment.bytes, sha256: segment.hash.digest('hex'), digest: segment.digest.hex, pieces: segment.pieces });
      });
      callback();
    }, callback);
  }

  private route(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl === -1) {
      this.carry.push(chunk);
      return;
    }
    if (this.carry.length > 0) {
      const line = Buffer.concat([...this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = [];
      this.routeLine(line, 0, line.length);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl !== -1) {
      this.routeLine(chunk, start, nl + 1);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.carry.push(chunk.subarray(start));
  }

  /** One `index\trow\n` line, `end` just past its newline. */
  private routeLine(data: Buffer, start: number, end: number): void {
    let index = 0;
    let at = start;
    for (; at < end && data[at] !== 9; at++) {
      const digit = data[at]! - 48;
      if (digit < 0 || digit > 9) break;
      index = index * 10 + digit;
    }
    if (at === start || data[at] !== 9 || index >= this.segments.length) {
      throw new Error(`internal: a keyed COPY line of ${this.table} does not start with a tenant index`);
    }
    const segment = (this.segments[index] ??= { rows: 0, bytes: 0, hash: createHash('sha256'), digest: new RowDigest(), pieces: [], buffer: undefined, used: 0 });
    segment.rows++;
    const row = data.subarray(at + 1, end);
    segment.digest.addRow(row);
    this.add(index, segment, row);
  }

  private add(index: number, segment: OpenSegment, row: Buffer): void {
    if (segment.buffer && segment.used + row.length > segment.buffer.length) {
      this.queue(index, segment.buffer.subarray(0, segment.used));
      segment.buffer = undefined;
      segment.used = 0;
    }
    if (row.length >= this.bufferSize) {
      // A row larger than a buffer goes out on its own (copied: the chunk it came in is not ours).
      this.queue(index, Buffer.from(row));
      return;
    }
    segment.buffer ??= this.spool.takeBuffer();
    row.copy(segment.buffer, segment.used);
    segment.used += row.length;
  }

  private queue(index: number, buffer: Buffer): void {
    const segment = this.segments[index]!;
    segment.hash.update(buffer);
    segment.bytes += buffer.length;
    this.waiting.push({ index, buffer });
    this.waitingBytes += buffer.length;
  }

  private async writeWaiting(): Promise<void> {
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    const buffers = batch.map((w) => w.buffer);
    let at = await this.spool.append(buffers);
    for (const { index, buffer } of batch) {
      this.segments[index]!.pieces.push([at, buffer.length]);
      at += buffer.length;
    }
    this.spool.giveBack(buffers);
  }
}
