/**
 * Compressing dump streams with the zstd binary (multi-threaded, far faster than zlib at a
 * better ratio), or gzip where zstd is missing. Archives stay recoverable with stock
 * `zstd -d` / `gunzip`.
 */
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { findOnPath } from './tools.js';

export type Compression = 'zstd' | 'gzip' | 'none';

/** The process-spawning code is loaded on first use: most archives' entries never need a compressor process. */
const loadExec = () => import('../exec.js');

const SUFFIX: Record<Compression, string> = { zstd: '.zst', gzip: '.gz', none: '' };

let zstdPath: Promise<string | undefined> | undefined;
export function findZstd(): Promise<string | undefined> {
  zstdPath ??= findOnPath('zstd');
  return zstdPath;
}

/** The compression actually used: zstd falls back to gzip when the binary is missing. */
export async function effectiveCompression(wanted: Compression): Promise<Compression> {
  if (wanted === 'zstd' && !(await findZstd())) return 'gzip';
  return wanted;
}

export function compressedName(base: string, compression: Compression): string {
  return base + SUFFIX[compression];
}

export function compressionOfEntry(name: string): Compression {
  if (name.endsWith('.zst')) return 'zstd';
  if (name.endsWith('.gz')) return 'gzip';
  return 'none';
}

export interface Piped {
  stdout: Readable;
  done: Promise<void>;
}

/** Pipes `input` through the compressor; `none` passes it through untouched. */
export async function compress(input: Readable, compression: Compression, signal: AbortSignal): Promise<Piped> {
  if (compression === 'none') return { stdout: input, done: Promise.resolve() };
  const [file, args] = compression === 'zstd' ? [(await findZstd()) ?? 'zstd', ['-1', '-T2', '-q', '-c']] : ['gzip', ['-1', '-c']];
  const child = (await loadExec()).spawnTool(file, args, { input, signal });
  return { stdout: child.stdout, done: child.done };
}

export async function decompress(input: Readable, compression: Compression, signal: AbortSignal): Promise<Piped> {
  if (compression === 'none') return { stdout: input, done: Promise.resolve() };
  const [file, args] = compression === 'zstd' ? [(await findZstd()) ?? 'zstd', ['-d', '-q', '-c']] : ['gzip', ['-d', '-c']];
  const child = (await loadExec()).spawnTool(file, args, { input, signal });
  return { stdout: child.stdout, done: child.done };
}

/**
 * Small dumps are compressed in-process: below 64 KiB they are stored plain, below
 * IN_PROCESS_BYTES gzipped in libuv's thread pool. Starting a compressor process per entry would
 * cost more than it saves when hundreds of tenants each bring a few small entries.
 */
export const IN_PROCESS_BYTES = 4 * 1024 * 1024;
const PLAIN_BYTES = 64 * 1024;
const gzipAsync = promisify(gzip);

export async function compressInMemory(data: Buffer, wanted: Compression): Promise<{ data: Buffer; compression: Compression }> {
  if (data.length < PLAIN_BYTES || wanted === 'none') return { data, compression: 'none' };
  return { data: await gzipAsync(data, { level: 3 }), compression: 'gzip' };
}
