/**
 * `diff --live`: the tenant's live rows, read exactly as `create` reads them (the source's own
 * dump, so the same rows plan, snapshot and value encoding) but into files in the run's private
 * temp dir instead of an archive. Comparing like with like is what makes "changed" mean changed:
 * a value is equal when the same dump code wrote the same text for it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingStream } from '../archive/hashing.js';
import type { ManifestEntry } from '../archive/manifest.js';
import type { Context } from '../context.js';
import type { Source, Tenant } from '../sources/types.js';

export interface LiveRows {
  details: Record<string, unknown> | undefined;
  /** The dump's entries in the order they were written. */
  entries: { name: string; open(): Readable }[];
}

/** Receives a dump's entries as files (what DumpContext.writer promises: each entry fully read before it resolves). */
class EntryFiles {
  readonly entries: LiveRows['entries'] = [];
  constructor(private readonly dir: string) {}

  async addEntry(name: string, data: Readable | Buffer): Promise<ManifestEntry> {
    const file = path.join(this.dir, `entry-${this.entries.length}`);
    this.entries.push({ name, open: () => createReadStream(file) });
    if (Buffer.isBuffer(data)) {
      await writeFile(file, data, { flag: 'wx', mode: 0o600 });
      return { name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    }
    const hasher = new HashingStream();
    await pipeline(data, hasher, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    return { name, size: hasher.bytes, sha256: hasher.sha256 };
  }
}

export async function readLiveRows(source: Source, tenant: Tenant, ctx: Context): Promise<LiveRows> {
  const dir = await mkdtemp(path.join(await ctx.tempDir(), 'diff-live-'));
  const files = new EntryFiles(dir);
  const result = await source.dump(tenant, { writer: files, signal: ctx.signal, log: ctx.log, tempDir: dir, compression: 'none' });
  return { details: result.details, entries: files.entries };
}
