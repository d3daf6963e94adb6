/**
 * Writes the zip of one archive as a stream: data entries first (hashed in the same pass as
 * they flow), then manifest.json and SHA256SUMS. Entries are stored, not deflated: dumps arrive
 * already compressed (zstd or the tool's own), and storing keeps the archive readable by stock
 * `unzip` while costing no CPU.
 */
import archiver from 'archiver';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { assertSafeEntryName } from './entry-names.js';
import { HashingStream } from './hashing.js';
import { sha256sums, type Manifest, type ManifestEntry } from './manifest.js';

export type ManifestDraft = Omit<Manifest, 'entries'>;

export class ArchiveWriter {
  /** The zip bytes; consume it, or appends stall (backpressure all the way to the dump tool). */
  readonly output: Readable;
  private readonly zip: archiver.Archiver;
  private readonly entries: ManifestEntry[] = [];
  private readonly names = new Set<string>();
  private failure: Error | undefined;
  private readonly pending = new Set<(reason: Error) => void>();

  constructor(private readonly date: Date) {
    this.zip = archiver('zip', { store: true, forceZip64: false });
    this.zip.on('error', (error) => this.abort(error));
    this.output = this.zip;
  }

  /**
   * Adds one data entry; resolves with its size and sha256 once it has been fully read. A file's
   * mode and mtime go into the manifest and the zip's own fields (so stock `unzip` keeps them too).
   */
  async addEntry(name: string, data: Readable | Buffer, file?: { mode: number; mtime: Date; path?: string }): Promise<ManifestEntry> {
    assertSafeEntryName(name);
    if (this.names.has(name)) throw new Error(`internal: duplicate archive entry ${name}`);
    this.names.add(name);
    const hasher = new HashingStream();
    if (Buffer.isBuffer(data)) hasher.end(data);
    else data.on('error', (error) => hasher.destroy(error)).pipe(hasher);
    this.throwIfAborted();
    this.zip.append(hasher, { name, date: file?.mtime ?? this.date, store: true, ...(file ? { mode: file.mode & 0o777 } : {}) });
    // An aborted archive (failed storage, signal) never consumes the entry: settle with the reason.
    await new Promise<void>((resolve, reject) => {
      this.pending.add(reject);
      finished(hasher)
        .then(resolve, reject)
        .finally(() => this.pending.delete(reject));
    });
    this.throwIfAborted();
    const entry: ManifestEntry = {
      name,
      size: hasher.bytes,
      sha256: hasher.sha256,
      ...(file ? { mode: file.mode & 0o777, mtime: file.mtime.toISOString() } : {}),
      ...(file?.path !== undefined ? { path: file.path } : {}),
    };
    this.entries.push(entry);
    return entry;
  }

  get entryList(): readonly ManifestEntry[] {
    return this.entries;
  }

  /** Writes manifest.json and SHA256SUMS and ends the zip; returns the manifest. */
  async finish(draft: ManifestDraft): Promise<Manifest> {
    this.throwIfAborted();
    const manifest: Manifest = { ...draft, entries: [...this.entries] };
    this.zip.append(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), { name: 'manifest.json', date: this.date });
    this.zip.append(Buffer.from(sha256sums(this.entries)), { name: 'SHA256SUMS', date: this.date });
    // An abort while finalizing (a storage failing after the dump ended) leaves archiver's
    // finalize() unsettled for ever: settle with the abort's reason, as addEntry does.
    await new Promise<void>((resolve, reject) => {
      this.pending.add(reject);
      this.zip
        .finalize()
        .then(resolve, reject)
        .finally(() => this.pending.delete(reject));
    });
    this.throwIfAborted();
    return manifest;
  }

  private throwIfAborted(): void {
    if (this.failure) throw this.failure;
  }

  /** Stops writing after a failure; the output ends with an error so no storage commits it. */
  abort(reason: Error): void {
    if (this.failure) return;
    this.failure = reason;
    for (const reject of this.pending) reject(reason);
    this.zip.abort();
    this.output.destroy(reason);
  }
}
