/**
 * An order-independent digest of a table's rows (rows mode, engine-neutral): the sum, modulo
 * 2^256, of the sha256 of every row's line (its text including the newline). The same rows in any
 * order give the same digest, a changed, missing or extra row changes it, and a duplicated row
 * counts twice (a sum, not an xor, so pairs do not cancel out).
 *
 * Why: a restore writes the archived rows in archive order, but the database may hand them back
 * in another (a heap with free space from updates, a parallel or index scan), so a hash of the
 * text in read order differs for identical contents. The archive's entries keep their byte sha256
 * for the integrity of the file itself; this digest is what a restore test compares.
 */
import { hash } from 'node:crypto';

const LANES = 8;

export class RowDigest {
  /** 256 bits as eight 32-bit little-endian lanes. */
  private readonly sum = new Uint32Array(LANES);

  /** Adds one row: its line's bytes, newline included. */
  addRow(line: Uint8Array): void {
    const h = hash('sha256', line, 'buffer');
    let carry = 0;
    for (let i = 0; i < LANES; i++) {
      const s = this.sum[i]! + h.readUInt32LE(i * 4) + carry;
      this.sum[i] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }

  get hex(): string {
    return Buffer.from(this.sum.buffer, this.sum.byteOffset, this.sum.byteLength).toString('hex');
  }
}

/** A RowDigest fed with text in chunks that may split lines anywhere. */
export class LineDigest {
  private readonly rows = new RowDigest();
  private carry: Buffer[] = [];

  update(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl + 1);
      if (this.carry.length > 0) {
        this.rows.addRow(Buffer.concat([...this.carry, piece]));
        this.carry = [];
      } else this.rows.addRow(piece);
      start = nl + 1;
    }
    // The chunk may be a buffer the stream reuses: keep a copy of the unfinished line.
    if (start < chunk.length) this.carry.push(Buffer.from(chunk.subarray(start)));
  }

  /** The digest; text after the last newline counts as one more row. */
  get hex(): string {
    if (this.carry.length > 0) {
      this.rows.addRow(Buffer.concat(this.carry));
      this.carry = [];
    }
    return this.rows.hex;
  }
}
