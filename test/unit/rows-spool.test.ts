/**
 * The rows spool (src/sources/rows/spool.ts) splits keyed COPY text into per-tenant segments:
 * whatever the chunking of the input, each segment holds exactly its tenant's lines in order,
 * with their count, sha256 and row digest, both read whole and streamed. And the batch decision table.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineDigest } from '../../src/sources/rows/digest.js';
import { RowSpool } from '../../src/sources/rows/spool.js';
import { decideBatch } from '../../src/sources/rows/batch-decision.js';
import { tempDir } from '../helpers/tmp.js';

let dir: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir.cleanup());

/** Lines for `tenants` tenants, interleaved; some long enough to exceed a spool buffer. */
function keyedLines(tenants: number, rows: number): { input: string; expected: string[] } {
  const expected = Array.from({ length: tenants }, () => '');
  let input = '';
  for (let r = 0; r < rows; r++) {
    const tenant = (r * 7) % tenants;
    const row = `${r}\tname\\t${r}\t${r % 13 === 0 ? 'x'.repeat(70_000) : '\\N'}\n`;
    expected[tenant] += row;
    input += `${tenant}\t${row}`;
  }
  return { input, expected };
}

function chunked(input: string, size: number): Readable {
  const buffer = Buffer.from(input);
  const chunks: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += size) chunks.push(buffer.subarray(at, at + size));
  return Readable.from(chunks);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function lineDigest(s: string): string {
  const digest = new LineDigest();
  digest.update(Buffer.from(s));
  return digest.hex;
}

describe('RowSpool', () => {
  it.each([
    ['one byte at a time', 3, 40, 1],
    ['chunks that split lines', 5, 300, 97],
    ['64 KiB chunks', 9, 2000, 65536],
    ['one tenant', 1, 50, 4096],
    // More tenants than one writev may take buffers (IOV_MAX 1024): the table's tail is 3000 of them.
    ['3000 tenants', 3000, 4000, 65536],
  ])('routes each line to its tenant (%s)', async (_label, tenants, rows, size) => {
    const { input, expected } = keyedLines(tenants, rows);
    const spool = await RowSpool.create(dir.dir, tenants + 1);
    try {
      await pipeline(chunked(input, size), spool.router('public.t'));
      for (let i = 0; i < tenants; i++) {
        const segment = spool.segment('public.t', i);
        expect(segment.rows).toBe(expected[i]!.split('\n').length - 1);
        expect(segment.bytes).toBe(Buffer.byteLength(expected[i]!));
        expect(segment.sha256).toBe(sha256(expected[i]!));
        expect(segment.digest).toBe(lineDigest(expected[i]!));
        expect((await spool.read(segment)).toString()).toBe(expected[i]);
        expect(await text(spool.stream(segment))).toBe(expected[i]);
      }
      // The extra tenant had no rows: an empty segment, not an error.
      const empty = spool.segment('public.t', tenants);
      expect([empty.rows, empty.bytes, empty.sha256, empty.digest]).toEqual([0, 0, sha256(''), lineDigest('')]);
      expect(await text(spool.stream(empty))).toBe('');
    } finally {
      await spool.close();
    }
  });

  it('keeps tables apart and holds one table per tenant after another', async () => {
    const spool = await RowSpool.create(dir.dir, 2);
    try {
      await pipeline(Readable.from([Buffer.from('0\ta\n1\tb\n0\tc\n')]), spool.router('s.one'));
      await pipeline(Readable.from([Buffer.from('1\td\n')]), spool.router('s.two'));
      expect((await spool.read(spool.segment('s.one', 0))).toString()).toBe('a\nc\n');
      expect((await spool.read(spool.segment('s.one', 1))).toString()).toBe('b\n');
      expect(spool.segment('s.two', 0).rows).toBe(0);
      expect((await spool.read(spool.segment('s.two', 1))).toString()).toBe('d\n');
    } finally {
      await spool.close();
    }
  });

  it.each([
    ['a line without a tenant index', 'a\tb\n'],
    ['an index past the tenants', '5\tb\n'],
    ['input that ends inside a row', '0\tb'],
  ])('refuses %s', async (_label, input) => {
    const spool = await RowSpool.create(dir.dir, 2);
    try {
      await expect(pipeline(Readable.from([Buffer.from(input)]), spool.router('public.t'))).rejects.toThrow(/internal/);
    } finally {
      await spool.close();
    }
  });
});

const MiB = 1024 * 1024;

describe('decideBatch', () => {
  it.each([
    { selected: 1, discovered: 200, tableBytes: 10 * MiB, freeBytes: 1e12, batch: false, reason: /one tenant/ },
    { selected: 200, discovered: 200, tableBytes: 200 * MiB, freeBytes: 1e12, batch: true, reason: /200 tenants read in one pass/ },
    { selected: 2, discovered: 2, tableBytes: 1 * MiB, freeBytes: 1e12, batch: true, reason: /one pass/ },
    // Few tenants of a big database: per-tenant lookups read less.
    { selected: 10, discovered: 200, tableBytes: 10_000 * MiB, freeBytes: 1e12, batch: false, reason: /10 of 200 tenants/ },
    // Few tenants of small tables: a scan is cheap anyway.
    { selected: 10, discovered: 200, tableBytes: 50 * MiB, freeBytes: 1e12, batch: true, reason: /one pass/ },
    // The spool would take more than half the free space.
    { selected: 200, discovered: 200, tableBytes: 600 * MiB, freeBytes: 1000 * MiB, batch: false, reason: /more than half/ },
    { selected: 100, discovered: 200, tableBytes: 600 * MiB, freeBytes: 1000 * MiB, batch: true, reason: /spool ~300 MiB/ },
  ])('$selected of $discovered tenants, $tableBytes bytes of tables -> batch $batch', ({ batch, reason, ...input }) => {
    const decision = decideBatch(input);
    expect(decision.batch).toBe(batch);
    expect(decision.reason).toMatch(reason);
  });
});
