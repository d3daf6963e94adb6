/**
 * The rclone driver reads `rclone lsjson` as rclone prints it (storage/types.ts: list fetches
 * "page by page, never loading everything first"): with a stand-in rclone that prints one entry
 * and then waits on a FIFO, list yields that entry while rclone is still running.
 */
import { execa } from 'execa';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RcloneStorage } from '../../src/storage/rclone.js';
import { tempDir } from '../helpers/tmp.js';

const entry = (name: string) => JSON.stringify({ Path: name, Name: name, Size: 7, ModTime: '2026-12-07T08:55:49.48Z', IsDir: false });

let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
const savedPath = process.env.PATH;
afterEach(async () => {
  process.env.PATH = savedPath;
  await tmp?.cleanup();
});

/** A stand-in `rclone` on PATH (listing paths are relative to the listed directory, acme/): prints "[" and the first entry, waits until the test writes the FIFO, then the rest. */
async function standIn(): Promise<{ release(): Promise<void> }> {
  tmp = await tempDir();
  const fifo = path.join(tmp.dir, 'release.fifo');
  await execa('mkfifo', [fifo]);
  const script = path.join(tmp.dir, 'rclone');
  await writeFile(script, `#!/bin/sh\necho '['\necho '${entry('a.zip')},'\nread go < '${fifo}'\necho '${entry('b.zip')},'\necho '${entry('.b.zip.tmp-1-ab')}'\necho ']'\n`);
  await chmod(script, 0o755);
  process.env.PATH = `${tmp.dir}:${savedPath}`;
  return { release: () => writeFile(fifo, 'go\n') };
}

describe('rclone list', () => {
  it('yields the entries rclone has printed while rclone still lists the rest', async () => {
    const rclone = await standIn();
    const storage = new RcloneStorage('r', { type: 'rclone', remote: 'remote:backups' }, '/');
    const listing = storage.list('acme/')[Symbol.asyncIterator]();
    // The stand-in is blocked on the FIFO until release(): the first entry cannot come from a finished run.
    expect((await listing.next()).value).toMatchObject({ key: 'acme/a.zip', size: 7 });
    await rclone.release();
    const rest: string[] = [];
    for (let next = await listing.next(); !next.done; next = await listing.next()) rest.push(next.value.key);
    expect(rest).toEqual(['acme/b.zip']);
  });
});
