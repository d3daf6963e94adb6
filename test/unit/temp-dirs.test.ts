import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRunTempDir, processStart, removeStaleTempDirs } from '../../src/cli/temp-dirs.js';
import { tempDir } from '../helpers/tmp.js';

const tag = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  work = await tempDir('orgbackup-tmpdirs-');
});
afterEach(async () => {
  await work.cleanup();
});

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync('true').pid;
}

describe('stale temp directories', () => {
  it('removes those of exited processes only', async () => {
    const live = process.ppid;
    const liveStart = (await processStart(live))!;
    const dead = deadPid();
    const cases = [
      { name: `orgbackup-run-${tag}-${dead}-12345-aaaaaa`, removed: true, why: 'its process is gone' },
      { name: `orgbackup-run-${tag}-${live}-${Number(liveStart) + 1}-bbbbbb`, removed: true, why: 'its pid now belongs to a later process' },
      { name: `orgbackup-run-${tag}-${live}-${liveStart}-cccccc`, removed: false, why: 'its process is alive' },
      { name: `orgbackup-run-${tag}-${live}-0-dddddd`, removed: false, why: 'no start time recorded and the pid is alive' },
      { name: `orgbackup-run-${tag}-${dead}-0-eeeeee`, removed: true, why: 'no start time recorded and the pid is gone' },
      { name: `orgbackup-run-00000000-${dead}-12345-ffffff`, removed: false, why: 'made on another host' },
      { name: `orgbackup-run-${tag}-${process.pid}-1-gggggg`, removed: false, why: 'this process' },
      { name: 'orgbackup-Xa12bc', removed: false, why: 'no owner in the name (an older version)' },
      { name: 'something-else', removed: false, why: 'not ours' },
    ];
    for (const c of cases) {
      await mkdir(path.join(work.dir, c.name));
      await writeFile(path.join(work.dir, c.name, 'rows-spool-1'), 'tenant rows');
    }
    await writeFile(path.join(work.dir, `orgbackup-run-${tag}-${dead}-1-hhhhhh`), 'a file, not a directory');
    const removed = await removeStaleTempDirs(work.dir);
    expect(removed.map((d) => path.basename(d)).sort()).toEqual(
      cases
        .filter((c) => c.removed)
        .map((c) => c.name)
        .sort(),
    );
    const left = await readdir(work.dir);
    for (const c of cases) expect(left.includes(c.name), `${c.name}: ${c.why}`).toBe(!c.removed);
    expect(left).toContain(`orgbackup-run-${tag}-${dead}-1-hhhhhh`);
  });

  it("names a run's directory after its owner, which keeps it", async () => {
    const dir = await makeRunTempDir(work.dir);
    expect(path.basename(dir)).toBe(`orgbackup-run-${tag}-${process.pid}-${await processStart(process.pid)}-${path.basename(dir).slice(-6)}`);
    expect(await removeStaleTempDirs(work.dir)).toEqual([]);
    expect(await readdir(work.dir)).toEqual([path.basename(dir)]);
  });
});
