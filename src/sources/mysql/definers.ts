/**
 * Views, triggers, routines and events carry a DEFINER (`root`@`%`), and creating an object
 * for another account needs SUPER or SET USER (SET_USER_ID on MySQL 8), which managed servers
 * (RDS, Cloud SQL) never grant. When the restoring account lacks it, the DEFINER clauses are
 * dropped on the way to the client, so each object is owned by the restoring account instead
 * of the restore failing half-way. Data (INSERT statements, one line or one tuple per line)
 * passes through untouched: only statements outside the table data are rewritten.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { grantee } from './privileges.js';

const DEFINER = /DEFINER\s*=\s*(`(?:[^`]|``)*`|'(?:[^']|'')*'|[\w.%-]+)@(`(?:[^`]|``)*`|'(?:[^']|'')*'|[\w.%-]+)\s*/g;
const INSERT_PREFIX = Buffer.from('INSERT INTO ', 'latin1');
/** Longer non-data lines are passed through as they are (no DDL line is this long). */
const MAX_LINE = 1024 * 1024;
const NL = 0x0a;
const SEMI = 0x3b;

/** Whether the account may create objects owned by other accounts. */
export async function maySetDefiners(client: mysql.Connection): Promise<boolean> {
  const [who] = await client.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u');
  const [rows] = await client.query<RowDataPacket[]>("SELECT 1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? AND PRIVILEGE_TYPE IN ('SUPER', 'SET USER', 'SET_USER_ID') LIMIT 1", [
    grantee(String(who[0]?.u ?? '')),
  ]);
  return rows.length > 0;
}

export function stripDefiners(line: string): string {
  return line.replace(DEFINER, '');
}

/** Drops DEFINER clauses from every line that is not a data INSERT. */
export class DefinerStripper extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** undecided until the line's first bytes are in; data lines (and overlong ones) pass through. */
  private line: 'undecided' | 'data' | 'other' = 'undecided';
  private lastByte = 0;
  private inInsert = false;
  stripped = 0;

  constructor() {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      const end = nl < 0 ? chunk.length : nl + 1;
      const piece = chunk.subarray(start, end);
      if (this.line === 'data') this.push(piece);
      else this.hold(piece, nl >= 0);
      const body = nl >= 0 ? piece.subarray(0, piece.length - 1) : piece;
      if (body.length > 0) this.lastByte = body[body.length - 1]!;
      if (nl >= 0) this.endLine();
      start = end;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.endLine();
    callback();
  }

  private hold(piece: Buffer, lineEnds: boolean): void {
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.line === 'undecided' && (this.pendingBytes >= INSERT_PREFIX.length || lineEnds)) {
      const head = Buffer.concat(this.pending).subarray(0, INSERT_PREFIX.length);
      this.inInsert = head.equals(INSERT_PREFIX);
      this.line = this.inInsert ? 'data' : 'other';
    }
    if (this.line === 'data' || this.pendingBytes > MAX_LINE) {
      for (const held of this.pending) this.push(held);
      this.pending = [];
      this.pendingBytes = 0;
      this.line = 'data';
    }
  }

  private endLine(): void {
    if (this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending).toString('utf8');
      const out = stripDefiners(line);
      if (out !== line) this.stripped++;
      this.push(Buffer.from(out, 'utf8'));
      this.pending = [];
      this.pendingBytes = 0;
    }
    // MariaDB writes one tuple per line: an INSERT goes on until a line ends with its semicolon
    // (strings never hold a raw line break, so this cannot be fooled by data).
    this.inInsert = this.inInsert && this.lastByte !== SEMI;
    this.line = this.inInsert ? 'data' : 'undecided';
  }
}
