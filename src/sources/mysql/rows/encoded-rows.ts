/**
 * The text a MySQL/MariaDB rows batch spools (batch.ts, rows/spool.ts): one line per row, the
 * row's values encoded as they stand in an INSERT tuple (sql.ts encodeRow, which never writes a
 * raw line break), keyed by the tenant's index on the way in: `7\t1,'a',NULL\n`. KeyedLines makes
 * those lines from the server's rows; EncodedRows splits a tenant's segment back into one encoded
 * row per object for the InsertWriter, which then writes exactly what it writes for raw rows.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { encodeRow, type ValueKind } from './sql.js';

const TAB = Buffer.from('\t');
const NL = Buffer.from('\n');
/** Lines are passed on in chunks of about this size (one push per row costs more than the routing). */
const CHUNK_BYTES = 64 * 1024;

/** Rows `[tenant index, ...values]` (raw, typeCast off) in, keyed lines out. */
export class KeyedLines extends Transform {
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly kinds: readonly ValueKind[]) {
    super({ writableObjectMode: true, readableHighWaterMark: 1024 * 1024 });
  }

  override _transform(row: (Buffer | null)[], _encoding: BufferEncoding, callback: TransformCallback): void {
    const index = row[0];
    if (!index) {
      callback(new Error('internal: a keyed row has no tenant index'));
      return;
    }
    const values = encodeRow(row.slice(1), this.kinds);
    this.held.push(index, TAB, values, NL);
    this.heldBytes += index.length + values.length + 2;
    if (this.heldBytes >= CHUNK_BYTES) this.pass();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.pass();
    callback();
  }

  private pass(): void {
    if (this.heldBytes === 0) return;
    this.push(Buffer.concat(this.held, this.heldBytes));
    this.held = [];
    this.heldBytes = 0;
  }
}

/** A segment's lines in, one encoded row (a Buffer, no line break) per object out. */
export class EncodedRows extends Transform {
  private carry: Buffer | undefined;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      this.push(data.subarray(start, nl));
      start = nl + 1;
    }
    this.carry = start < data.length ? data.subarray(start) : undefined;
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.carry ? new Error('internal: a rows segment ends inside a row') : null);
  }
}
