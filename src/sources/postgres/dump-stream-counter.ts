/**
 * Counts the rows of every table in an uncompressed (-Z0) pg_dump custom-format stream as it flows
 * past, so that a whole-database dump reads each table from the server once instead of twice (the
 * exact counts used to come from a `count(*)` per table beside pg_dump, a second scan of all data).
 *
 * The custom format (pg_backup_archiver.c, pg_backup_custom.c): a header, the table of contents
 * (one entry per object; "TABLE DATA" entries name a table and carry a dump id), then one data
 * block per entry: a type byte, the dump id, and length-prefixed chunks ending with a zero length.
 * A table's chunks are its COPY text: one line per row, ending with the line `\.` (after which
 * pg_dump adds blank lines). A value never makes a line of its own `\.` (backslashes are escaped),
 * so rows are exactly the lines before that one.
 *
 * Counting is an optimisation, never a guess: anything unexpected (another format version, a
 * compressed archive, a truncated or odd stream) stops the parser, `result()` returns undefined and
 * the caller counts with SQL in the same snapshot instead. The bytes themselves pass unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface DumpedTable {
  schema: string;
  name: string;
  rows: number;
}

const BLK_DATA = 1;
const BLK_BLOBS = 3;
/** Archive versions whose header and TOC layout this parser knows (PostgreSQL 12 to 17). */
const MIN_VERSION = version(1, 12);
const MAX_VERSION = version(1, 16);

function version(major: number, minor: number, rev = 0): number {
  return (major * 256 + minor) * 256 + rev;
}

class NeedMore extends Error {}
class Unsupported extends Error {}

/** Reads header and TOC fields from a buffer; throws NeedMore when it runs past the end. */
class FieldReader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly intSize: number,
  ) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new NeedMore();
    return this.buf[this.pos++] as number;
  }

  int(): number {
    const end = this.pos + 1 + this.intSize;
    if (end > this.buf.length) throw new NeedMore();
    const value = readArchiveInt(this.buf, this.pos, this.intSize);
    this.pos = end;
    return value;
  }

  str(): string | null {
    const len = this.int();
    if (len < 0) return null;
    if (this.pos + len > this.buf.length) throw new NeedMore();
    const text = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return text;
  }

  skip(n: number): void {
    if (this.pos + n > this.buf.length) throw new NeedMore();
    this.pos += n;
  }
}

/** pg_dump's integer: a sign byte, then `intSize` bytes, least significant first. */
function readArchiveInt(buf: Buffer, at: number, intSize: number): number {
  let value = 0;
  for (let i = intSize; i >= 1; i--) value = value * 256 + (buf[at + i] as number);
  return buf[at] ? -value : value;
}

interface Layout {
  version: number;
  intSize: number;
  offSize: number;
}

type BlockField = 'type' | 'id' | 'chunk' | 'data' | 'blob' | 'blobChunk' | 'blobData';

export class DumpStreamCounter {
  private phase: 'toc' | 'blocks' | 'failed' = 'toc';
  private pending: Buffer = Buffer.alloc(0);
  private layout: Layout | undefined;
  private tocLeft = -1;
  private readonly tables = new Map<number, DumpedTable>();
  private readonly seen = new Set<number>();
  private reason = '';
  // Block phase: the field being read, its partial bytes, and the current table's line state.
  private field: BlockField = 'type';
  private fieldBytes = Buffer.alloc(16);
  private fieldHave = 0;
  private dataLeft = 0;
  private blockId = 0;
  private current: DumpedTable | undefined;
  private lineLen = 0;
  private lineHead = 0;
  private lineSecond = 0;
  private ended = false;

  /** A pass-through stream that feeds this counter. */
  stream(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding: string, done: TransformCallback) => {
        this.feed(chunk);
        done(null, chunk);
      },
    });
  }

  /** Why counting gave up, for the debug log; empty while it works. */
  get failure(): string {
    return this.reason;
  }

  /** Rows per table of every data block read, or undefined when the stream could not be counted. */
  result(): DumpedTable[] | undefined {
    if (this.phase !== 'blocks' || this.field !== 'type' || this.fieldHave !== 0) {
      if (!this.reason) this.reason = this.phase === 'toc' ? 'the stream ended inside its table of contents' : 'the stream ended inside a data block';
      return undefined;
    }
    return [...this.tables.entries()].filter(([id]) => this.seen.has(id)).map(([, table]) => table);
  }

  feed(chunk: Buffer): void {
    if (this.phase === 'failed') return;
    try {
      if (this.phase === 'toc') {
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        const rest = this.readToc();
        if (rest === undefined) return;
        this.pending = Buffer.alloc(0);
        this.phase = 'blocks';
        this.readBlocks(rest);
      } else {
        this.readBlocks(chunk);
      }
    } catch (error) {
      this.phase = 'failed';
      this.reason = error instanceof Unsupported ? error.message : `unexpected: ${(error as Error).message}`;
      this.pending = Buffer.alloc(0);
    }
  }

  /** Reads as much of the header and TOC as `pending` holds; returns the bytes after the TOC once complete. */
  private readToc(): Buffer | undefined {
    let committed = 0;
    try {
      if (!this.layout) {
        // The header is read again from the start until it and the entry count are complete.
        const reader = new FieldReader(this.pending, 0, 4);
        const layout = readHeader(reader, this.pending);
        const count = new FieldReader(this.pending, reader.pos, layout.intSize);
        this.tocLeft = count.int();
        this.layout = layout;
        committed = count.pos;
      }
      while (this.tocLeft > 0) {
        const reader = new FieldReader(this.pending, committed, this.layout.intSize);
        this.readTocEntry(reader);
        committed = reader.pos;
        this.tocLeft--;
      }
    } catch (error) {
      if (!(error instanceof NeedMore)) throw error;
      // Keep only what is not yet parsed.
      if (this.layout) this.pending = this.pending.subarray(committed);
      return undefined;
    }
    return this.pending.subarray(committed);
  }

  private readTocEntry(r: FieldReader): void {
    const { version: v, offSize } = this.layout as Layout;
    const dumpId = r.int();
    r.int(); // hadDumper
    r.str(); // tableoid
    r.str(); // oid
    const tag = r.str();
    const desc = r.str();
    r.int(); // section
    r.str(); // defn
    r.str(); // dropStmt
    r.str(); // copyStmt
    const namespace = r.str();
    r.str(); // tablespace
    r.str(); // tableam
    if (v >= version(1, 16)) r.int(); // relkind
    r.str(); // owner
    if (r.str() === 'true') throw new Unsupported('the archive has a table WITH OIDS');
    while (r.str() !== null); // dependencies
    r.byte(); // data offset flag
    r.skip(offSize);
    if (desc === 'TABLE DATA' && tag !== null && namespace !== null) this.tables.set(dumpId, { schema: namespace, name: tag, rows: 0 });
  }

  private readBlocks(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.field === 'data' || this.field === 'blobData') {
        const take = Math.min(this.dataLeft, chunk.length - pos);
        if (this.field === 'data' && this.current) this.countLines(chunk, pos, pos + take);
        pos += take;
        this.dataLeft -= take;
        if (this.dataLeft === 0) this.field = this.field === 'data' ? 'chunk' : 'blobChunk';
        continue;
      }
      const size = this.field === 'type' ? 1 : 1 + (this.layout as Layout).intSize;
      const take = Math.min(size - this.fieldHave, chunk.length - pos);
      chunk.copy(this.fieldBytes, this.fieldHave, pos, pos + take);
      this.fieldHave += take;
      pos += take;
      if (this.fieldHave < size) return;
      this.fieldHave = 0;
      this.endField(size === 1 ? (this.fieldBytes[0] as number) : readArchiveInt(this.fieldBytes, 0, (this.layout as Layout).intSize));
    }
  }

  /** A complete fixed-size field of the block phase has been read: move to the next field. */
  private endField(value: number): void {
    switch (this.field) {
      case 'type':
        if (value !== BLK_DATA && value !== BLK_BLOBS) throw new Unsupported(`unknown data block type ${value}`);
        this.blockId = value;
        this.field = 'id';
        return;
      case 'id':
        this.current = this.blockId === BLK_DATA ? this.tables.get(value) : undefined;
        if (this.blockId === BLK_DATA) {
          if (this.seen.has(value)) throw new Unsupported(`data block ${value} appears twice`);
          this.seen.add(value);
          this.lineLen = 0;
          this.ended = false;
        }
        this.field = this.blockId === BLK_DATA ? 'chunk' : 'blob';
        return;
      case 'chunk':
      case 'blobChunk':
        if (value < 0) throw new Unsupported(`negative chunk length ${value}`);
        if (value === 0) {
          if (this.field === 'chunk') this.endTable();
          this.field = this.field === 'chunk' ? 'type' : 'blob';
          return;
        }
        this.dataLeft = value;
        this.field = this.field === 'chunk' ? 'data' : 'blobData';
        return;
      case 'blob':
        // A large object's oid, or zero after the last one.
        this.field = value === 0 ? 'type' : 'blobChunk';
        return;
      default:
        throw new Unsupported(`parser reached field ${this.field}`);
    }
  }

  private endTable(): void {
    // COPY data always ends with its `\.` line; without it the rows counted cannot be trusted.
    if (this.current && !this.ended) throw new Unsupported(`the data of ${this.current.schema}.${this.current.name} has no end-of-copy line`);
    this.current = undefined;
  }

  /** Counts the lines of COPY text in chunk[from, to) that come before the `\.` line. */
  private countLines(chunk: Buffer, from: number, to: number): void {
    const table = this.current as DumpedTable;
    let at = from;
    while (at < to) {
      const newline = chunk.indexOf(10, at);
      const lineEnd = newline === -1 || newline >= to ? to : newline;
      const length = lineEnd - at;
      // A line may span chunks: its first two bytes are kept to recognise `\.`.
      if (this.lineLen === 0 && length > 0) this.lineHead = chunk[at] as number;
      if (this.lineLen <= 1 && this.lineLen + length >= 2) this.lineSecond = chunk[at + 1 - this.lineLen] as number;
      this.lineLen += length;
      if (lineEnd === to) return;
      if (this.lineLen === 2 && this.lineHead === 92 && this.lineSecond === 46) this.ended = true;
      else if (!this.ended) table.rows++;
      this.lineLen = 0;
      at = lineEnd + 1;
    }
  }
}

function readHeader(r: FieldReader, buf: Buffer): Layout {
  if (buf.length >= 5 && buf.toString('latin1', 0, 5) !== 'PGDMP') throw new Unsupported('not a pg_dump custom-format stream');
  r.skip(5);
  const v = version(r.byte(), r.byte(), r.byte());
  if (v < MIN_VERSION || v > MAX_VERSION) throw new Unsupported(`archive version ${v >> 16}.${(v >> 8) & 255} is not one this parser knows`);
  const intSize = r.byte();
  const offSize = r.byte();
  if (intSize < 1 || intSize > 6 || offSize < 1 || offSize > 16) throw new Unsupported(`unexpected integer sizes ${intSize}/${offSize}`);
  if (r.byte() !== 1) throw new Unsupported('not the custom format');
  const ints = new FieldReader(buf, r.pos, intSize);
  const compression = v >= version(1, 15) ? ints.byte() : ints.int();
  if (compression !== 0) throw new Unsupported('the dump is compressed by pg_dump');
  for (let i = 0; i < 7; i++) ints.int(); // creation time
  ints.str(); // database name
  ints.str(); // server version
  ints.str(); // pg_dump version
  r.pos = ints.pos;
  return { version: v, intSize, offSize };
}
