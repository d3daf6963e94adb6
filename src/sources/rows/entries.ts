/**
 * Writing one rows-mode entry (both engines): a tenant's slice of a table is usually small, so
 * slices under 64 KiB are stored plain and slices under IN_PROCESS_BYTES are gzipped in-process
 * (compression.ts); only larger ones stream through the configured compressor. Starting a zstd
 * process per table per tenant cost more than it saved, hundreds of tenants times each table.
 */
import type { Readable } from 'node:stream';
import { readHead, rejoin } from '../../util/streams.js';
import { compress, compressedName, compressInMemory, IN_PROCESS_BYTES, type Compression } from '../compression.js';
import type { DumpContext } from '../types.js';

/** Stores `text` as entry `base` plus the suffix of the compression used; returns the entry name. */
export async function storeRowsEntry(ctx: DumpContext, base: string, text: Readable | Buffer, compression: Compression): Promise<string> {
  if (Buffer.isBuffer(text)) return storeInMemory(ctx, base, text, compression);
  const head = await readHead(text, IN_PROCESS_BYTES);
  if (head.ended) return storeInMemory(ctx, base, Buffer.concat(head.chunks), compression);
  const entry = compressedName(base, compression);
  const piped = await compress(rejoin(head.chunks, text), compression, ctx.signal);
  await Promise.all([ctx.writer.addEntry(entry, piped.stdout), piped.done]);
  return entry;
}

async function storeInMemory(ctx: DumpContext, base: string, text: Buffer, compression: Compression): Promise<string> {
  const small = await compressInMemory(text, compression);
  const entry = compressedName(base, small.compression);
  await ctx.writer.addEntry(entry, small.data);
  return entry;
}
