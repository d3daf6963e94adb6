/**
 * Test-only: writes a doctored copy of a stored (unencrypted, local) archive under a new id, with
 * its manifest changed by `mutate`, rebuilt consistently (zip, manifest.json, sidecar hashes) so
 * that verify levels 1 and 2 pass and only a restore test (level 3) can notice.
 */
import archiver from 'archiver';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import unzipper from 'unzipper';
import { gunzipSync, gzipSync } from 'node:zlib';
import { execaSync } from 'execa';
import { sha256sums, type Manifest, type Sidecar } from '../../src/archive/manifest.js';

/** Rewrites a data entry's bytes; the manifest's entry size and sha256 (and SHA256SUMS) follow. */
export type EntryRewrite = (name: string, data: Buffer) => Buffer;

/**
 * `sums` writes SHA256SUMS (another format: archives made by older versions); `rename` renames
 * data entries in the zip (`mutate` renames them in the manifest).
 */
export async function doctorArchive(storageDir: string, id: string, mutate: (manifest: Manifest) => void, rewrite?: EntryRewrite, sums = sha256sums, rename = (name: string) => name): Promise<string> {
  const sidecar = JSON.parse(await readFile(path.join(storageDir, `${id}.manifest.json`), 'utf8')) as Sidecar;
  const zip = await unzipper.Open.file(path.join(storageDir, sidecar.object.key));
  // One millisecond later than the original: a new, valid, sortable id.
  const parts = id.split('/');
  const stamp = new Date(new Date(parts[2]!.replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3')).getTime() + 1).toISOString().replace(/:/g, '-');
  const newId = `${parts[0]}/${parts[1]}/${stamp}`;
  const { object: _object, ...rest } = sidecar;
  const manifest: Manifest = { ...rest, id: newId };
  const data = new Map<string, Buffer>();
  for (const file of zip.files) {
    if (file.path === 'manifest.json' || file.path === 'SHA256SUMS') continue;
    const original = await file.buffer();
    data.set(rename(file.path), rewrite ? rewrite(file.path, original) : original);
  }
  // After the rewrites, so that `mutate` can record what they changed (row counts, checksums).
  mutate(manifest);
  manifest.entries = manifest.entries.map((e) => ({ ...e, size: data.get(e.name)!.length, sha256: createHash('sha256').update(data.get(e.name)!).digest('hex') }));
  const out = archiver('zip', { store: true });
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve, reject) => out.on('end', resolve).on('error', reject));
  for (const file of zip.files) {
    // Like the real writer: data entries as streams (sizes in data descriptors), metadata as buffers.
    if (file.path === 'manifest.json') out.append(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), { name: file.path, store: true });
    else if (file.path === 'SHA256SUMS') out.append(Buffer.from(sums(manifest.entries)), { name: file.path, store: true });
    else out.append(Readable.from([data.get(rename(file.path))!]), { name: rename(file.path), store: true });
  }
  await out.finalize();
  await ended;
  const bytes = Buffer.concat(chunks);
  const key = `${newId}.zip`;
  await writeFile(path.join(storageDir, key), bytes, { mode: 0o600 });
  const newSidecar = { ...manifest, object: { key, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } };
  await writeFile(path.join(storageDir, `${newId}.manifest.json`), JSON.stringify(newSidecar, null, 2) + '\n', { mode: 0o600 });
  return newId;
}

/** A rows entry's plain text, whatever its compression (`.gz`, `.zst` or stored as it is). */
export function plainOf(name: string, data: Buffer): Buffer {
  if (name.endsWith('.gz')) return gunzipSync(data);
  return name.endsWith('.zst') ? Buffer.from(execaSync('zstd', ['-dcq'], { input: data, encoding: 'buffer' }).stdout) : data;
}

/** Plain text compressed again as the entry's name says. */
export function packed(name: string, plain: Buffer): Buffer {
  if (name.endsWith('.gz')) return gzipSync(plain);
  return name.endsWith('.zst') ? Buffer.from(execaSync('zstd', ['-cq'], { input: plain, encoding: 'buffer' }).stdout) : plain;
}
