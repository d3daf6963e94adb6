/**
 * Verify level 2 of an unencrypted archive: an entry whose bytes changed while the zip itself stays
 * well-formed (its CRC recomputed) and the sidecar's object hash is resealed to the new bytes, so
 * that level 1 passes and only the manifest's per-entry sha256 can notice. Without the entry
 * checksum this archive would verify and restore the altered data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import archiver from 'archiver';
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import unzipper from 'unzipper';
import type { Sidecar } from '../../src/archive/manifest.js';
import { runCli } from '../helpers/cli.js';
import { makeArchive, makeLab, type Lab } from '../helpers/timeline.js';

/** Rebuilds the zip with one data entry rewritten and everything else (manifest, SHA256SUMS) as it was. */
async function alterEntry(storageDir: string, id: string, entry: string, rewrite: (data: Buffer) => Buffer): Promise<void> {
  const sidecarFile = path.join(storageDir, `${id}.manifest.json`);
  const sidecar = JSON.parse(await readFile(sidecarFile, 'utf8')) as Sidecar;
  const objectFile = path.join(storageDir, sidecar.object.key);
  const zip = await unzipper.Open.file(objectFile);
  const out = archiver('zip', { store: true });
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve, reject) => out.on('end', resolve).on('error', reject));
  for (const file of zip.files) {
    const data = await file.buffer();
    if (file.path === entry) out.append(Readable.from([rewrite(data)]), { name: file.path, store: true });
    else out.append(data, { name: file.path, store: true });
  }
  await out.finalize();
  await ended;
  const bytes = Buffer.concat(chunks);
  await writeFile(objectFile, bytes);
  sidecar.object = { ...sidecar.object, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  await writeFile(sidecarFile, JSON.stringify(sidecar, null, 2) + '\n');
}

describe('verify level 2 of an unencrypted archive', () => {
  let lab: Lab;
  let id: string;
  beforeAll(async () => {
    lab = await makeLab(['acme'], {});
    id = await makeArchive(lab, { tenant: 'acme', at: new Date().toISOString() });
  });
  afterAll(async () => lab.cleanup());

  it('an untouched archive passes levels 1 and 2', async () => {
    const run = await runCli(['-c', lab.configPath, '--json', 'verify', id]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json.archives[0]).toMatchObject({ status: 'ok', levels: [1, 2] });
  });

  it('an entry altered under a resealed sidecar fails level 2 (exit 5) naming the entry, and restore refuses it', async () => {
    const storageDir = path.join(lab.dir, 'backups');
    // Same length, one letter changed: only a content checksum can tell.
    await alterEntry(storageDir, id, 'files/file.txt', (data) => Buffer.from(data.toString('utf8').replace('data', 'DATA')));
    const run = await runCli(['-c', lab.configPath, '--json', 'verify', id]);
    expect(run.exitCode, run.stderr).toBe(5);
    expect(run.json.archives[0]).toMatchObject({ status: 'failed', failedLevel: 2, levels: [1] });
    expect(run.json.archives[0].error).toBe(`archive ${id}: entry files/file.txt does not match its sha256 (the data was altered)`);
    const target = path.join(lab.dir, 'restored');
    const restore = await runCli(['-c', lab.configPath, 'restore', id, '--target', target, '--yes']);
    expect(restore.exitCode, restore.stderr).toBe(5);
    await expect(stat(path.join(target, 'file.txt'))).rejects.toThrow(/ENOENT/);
  });
});
