/** The archive writer and the streaming zip reader agree; stock unzip reads the same bytes; damage is caught. */
import { describe, expect, it } from 'vitest';
import archiver from 'archiver';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { ArchiveWriter } from '../../src/archive/writer.js';
import { readZipStream } from '../../src/archive/zip-reader.js';
import { sha256Hex } from '../../src/archive/hashing.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function writeArchive(entries: Record<string, Buffer>): Promise<{ zip: Buffer; sizes: Map<string, number> }> {
  const writer = new ArchiveWriter(new Date('2026-11-20T02:00:00Z'));
  const out = collect(writer.output);
  for (const [name, data] of Object.entries(entries)) await writer.addEntry(name, Readable.from([data.subarray(0, 7), data.subarray(7)]));
  await writer.finish({ id: 'app/_all/x' } as never);
  return { zip: await out, sizes: new Map(writer.entryList.map((e) => [e.name, e.size])) };
}

async function readAll(zip: Buffer, sizes: Map<string, number>, chunk = 1000): Promise<Record<string, Buffer>> {
  const chunks = Array.from({ length: Math.ceil(zip.length / chunk) }, (_, i) => zip.subarray(i * chunk, (i + 1) * chunk));
  const out: Record<string, Buffer> = {};
  for await (const entry of readZipStream(Readable.from(chunks), sizes, 'test archive')) {
    const parts: Buffer[] = [];
    for await (const part of entry.body) parts.push(part);
    out[entry.name] = Buffer.concat(parts);
  }
  return out;
}

describe('archive zip', () => {
  const data = {
    'db.pgdump.zst': randomBytes(300_000),
    // Bytes that look like zip signatures inside data must not confuse the reader.
    'files/tricky.bin': Buffer.concat([Buffer.from([0x50, 0x4b, 0x07, 0x08]), randomBytes(100), Buffer.from([0x50, 0x4b, 0x03, 0x04])]),
    'files/empty.txt': Buffer.alloc(0),
    'files/ünïcode name.txt': Buffer.from('héllo'),
  };

  it.each([1, 7, 1000, 65536])('reads back every entry byte for byte (chunks of %i bytes)', async (chunk) => {
    const { zip, sizes } = await writeArchive(data);
    const read = await readAll(zip, sizes, chunk);
    for (const [name, bytes] of Object.entries(data)) expect(sha256Hex(read[name]!)).toBe(sha256Hex(bytes));
    expect(JSON.parse(read['manifest.json']!.toString()).entries).toHaveLength(4);
    expect(read.SHA256SUMS!.toString()).toContain(`${sha256Hex(data['db.pgdump.zst'])}  db.pgdump.zst`);
  });

  it('is readable by stock unzip, and sha256sum -c passes', async () => {
    const { zip } = await writeArchive(data);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orgbackup-zip-'));
    try {
      await writeFile(path.join(dir, 'a.zip'), zip);
      await execa('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: dir });
      const check = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'out') });
      expect(check.stdout.split('\n').every((line) => line.endsWith(': OK'))).toBe(true);
      expect(await readFile(path.join(dir, 'out', 'files/tricky.bin'))).toEqual(data['files/tricky.bin']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a truncated archive', async () => {
    const { zip, sizes } = await writeArchive(data);
    await expect(readAll(zip.subarray(0, 200_000), sizes)).rejects.toThrow(/truncated/);
  });

  it('reports a size that disagrees with the manifest', async () => {
    const { zip, sizes } = await writeArchive(data);
    sizes.set('db.pgdump.zst', 299_999);
    await expect(readAll(zip, sizes)).rejects.toThrow(/different size than its manifest/);
  });

  it('reads a damaged archive to its end before reporting, so the whole object can still be hashed', async () => {
    const { zip, sizes } = await writeArchive(data);
    // The first entry's data descriptor signature, just after its bytes.
    const at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x07, 0x08]));
    expect(at).toBeGreaterThan(0);
    const damaged = Buffer.from(zip);
    damaged[at + 3] = damaged[at + 3]! ^ 0xff;
    const source = Readable.from([damaged.subarray(0, at + 2), damaged.subarray(at + 2)]).pipe(new PassThrough());
    const read = (async () => {
      for await (const entry of readZipStream(source, sizes, 'test archive')) for await (const _ of entry.body) void _;
    })();
    await expect(read).rejects.toThrow(/different size than its manifest/);
    expect(source.readableEnded).toBe(true);
  });

  it.each(['../evil.txt', '/etc/passwd', 'files/../../x', 'a\\b'])('refuses to write and to read an unsafe entry name %j', async (name) => {
    const writer = new ArchiveWriter(new Date());
    writer.output.resume();
    await expect(writer.addEntry(name, Buffer.from('x'))).rejects.toThrow(/unsafe archive entry name/);
    // A zip made elsewhere with such a name (patched in, as archiver itself sanitises names) is refused.
    const placeholder = 'p'.repeat(name.length);
    const zip = archiver('zip', { store: true });
    const bytes = collect(zip);
    zip.append(Buffer.from('x'), { name: 'ok.txt' });
    zip.append(Buffer.from('evil'), { name: placeholder });
    await zip.finalize();
    const zipBytes = await bytes;
    let at = zipBytes.indexOf(placeholder);
    while (at >= 0) {
      zipBytes.write(name, at, 'latin1');
      at = zipBytes.indexOf(placeholder, at + 1);
    }
    await expect(readAll(zipBytes, new Map())).rejects.toThrow(/unsafe entry name/);
  });
});
