/**
 * The MySQL rows batch's spooled text (src/sources/mysql/rows/encoded-rows.ts): rows keyed by tenant,
 * routed through the spool and split back, give the InsertWriter exactly the entry (bytes, count,
 * sha256, row digest) it writes from the raw rows of that tenant, whatever the values hold
 * (quotes, backslashes, NUL and line-break bytes, binary, NULL) and however the segment is chunked.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodedRows, KeyedLines } from '../../src/sources/mysql/rows/encoded-rows.js';
import { InsertWriter, valueKind } from '../../src/sources/mysql/rows/sql.js';
import { RowSpool } from '../../src/sources/rows/spool.js';
import { tempDir } from '../helpers/tmp.js';

let dir: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

const COLUMNS = ['id', 'name', 'photo', 'note'];
const KINDS = ['int', 'varchar', 'blob', 'text'].map(valueKind);
type Row = (Buffer | null)[];

/** Row `r` of the table: awkward bytes in the text and binary columns, some NULLs, some long. */
function row(r: number): Row {
  const text = Buffer.from(`o'k \\ "${r}"\n\r\u0000\u001a ✓${r % 11 === 0 ? 'y'.repeat(5000) : ''}`);
  return [Buffer.from(String(r)), text, r % 5 === 0 ? null : Buffer.from([0, 10, 13, 39, r % 256]), r % 3 === 0 ? null : Buffer.from('')];
}

async function written(rows: Readable): Promise<{ bytes: Buffer; writer: InsertWriter }> {
  const writer = new InsertWriter('t', COLUMNS, KINDS);
  const [bytes] = await Promise.all([buffer(writer), pipeline(rows, writer)]);
  return { bytes, writer };
}

describe('mysql rows batch text', () => {
  it.each([
    { tenants: 3, rows: 40, chunk: 1 },
    { tenants: 3, rows: 200, chunk: 7 },
    { tenants: 50, rows: 3000, chunk: 65536 },
  ])('$tenants tenants, $rows rows, read back $chunk bytes at a time: the same entry as from the raw rows', async ({ tenants, rows, chunk }) => {
    const all = Array.from({ length: rows }, (_, r) => ({ tenant: (r * 7) % tenants, row: row(r) }));
    const spool = await RowSpool.create(dir.dir, tenants);
    try {
      const keyed = Readable.from(
        all.map(({ tenant, row: values }) => [Buffer.from(String(tenant)), ...values]),
        { objectMode: true },
      );
      await pipeline(keyed, new KeyedLines(KINDS), spool.router('db.t'));
      for (let tenant = 0; tenant < tenants; tenant++) {
        const own = all.filter((a) => a.tenant === tenant).map((a) => a.row);
        const text = await spool.read(spool.segment('db.t', tenant));
        const pieces = Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => text.subarray(i * chunk, (i + 1) * chunk));
        const fromSpool = await written(Readable.from(pieces).pipe(new EncodedRows()));
        const fromRows = await written(Readable.from(own, { objectMode: true }));
        expect(fromSpool.bytes.equals(fromRows.bytes), `tenant ${tenant}`).toBe(true);
        expect([fromSpool.writer.rows, fromSpool.writer.sha256, fromSpool.writer.digest]).toEqual([own.length, fromRows.writer.sha256, fromRows.writer.digest]);
      }
    } finally {
      await spool.close();
    }
  });

  it('refuses a segment that ends inside a row', async () => {
    const rows = Readable.from([Buffer.from("1,'a'\n2,'b'")]).pipe(new EncodedRows());
    await expect(rows.toArray()).rejects.toThrow(/ends inside a row/);
  });
});
