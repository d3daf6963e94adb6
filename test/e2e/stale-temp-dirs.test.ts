/**
 * A rows run killed with SIGKILL cannot clean up: its private temp directory keeps the plaintext
 * rows spool. Through the built binary, with TMPDIR pointing at this test's own directory: the
 * run is frozen (SIGSTOP) as soon as its spool file exists, so what follows does not depend on the
 * machine's speed; a second run leaves the frozen (live) run's directory alone; after SIGKILL
 * the directory is still there, and the next run, and prune, remove it.
 */
import { execa } from 'execa';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { dropDb } from '../helpers/pg.js';
import { rowsConfig, seedSaas } from '../helpers/tenants.js';
import { tempDir } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
let db: string | undefined;
beforeEach(async () => {
  work = await tempDir('orgbackup-stale-');
});
afterEach(async () => {
  if (db) await dropDb(db);
  db = undefined;
  await work.cleanup();
});

async function runDirs(tmp: string): Promise<string[]> {
  return (await readdir(tmp)).filter((name) => name.startsWith('orgbackup-'));
}

/** The run directory holding a rows spool file, once there is one. */
async function spoolDir(tmp: string): Promise<string | undefined> {
  for (const name of await runDirs(tmp)) {
    const files = await readdir(path.join(tmp, name)).catch(() => [] as string[]);
    if (files.some((f) => f.startsWith('rows-spool-'))) return name;
  }
  return undefined;
}

describe('temp directories of killed runs', () => {
  it('are removed by the next run and by prune; a live run keeps its own', async () => {
    db = await seedSaas(20);
    const tmp = path.join(work.dir, 'tmp');
    await mkdir(tmp);
    const config = await rowsConfig(work.dir, db);
    const env = { NO_COLOR: '1', TMPDIR: tmp };
    const cli = (...args: string[]) => runCli(['-c', config, '--json', '--no-progress', ...args], { env });

    const victim = execa(process.execPath, [BIN, '-c', config, '--json', '--no-progress', 'create'], { reject: false, cwd: ROOT, env, stdin: 'ignore' });
    let frozen: string | undefined;
    while (!frozen && victim.exitCode === null) {
      frozen = await spoolDir(tmp);
      if (!frozen) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(frozen, 'the run spooled rows before it ended').toBeDefined();
    process.kill(victim.pid!, 'SIGSTOP');
    try {
      expect(victim.exitCode).toBeNull();
      // A run beside the live (frozen) one leaves its directory and spool alone.
      const beside = await cli('create', '--tenant', '1');
      expect(beside.exitCode, beside.stderr).toBe(0);
      expect(await spoolDir(tmp)).toBe(frozen);
    } finally {
      process.kill(victim.pid!, 'SIGKILL');
    }
    const killed = await victim;
    expect(killed.signal).toBe('SIGKILL');
    expect(await runDirs(tmp)).toEqual([frozen]);

    const next = await cli('create', '--tenant', '2');
    expect(next.exitCode, next.stderr).toBe(0);
    expect(await runDirs(tmp)).toEqual([]);

    // prune too: a directory left by another killed run (a pid that exited, same host tag).
    const tag = frozen!.split('-')[2]!;
    const dead = `orgbackup-run-${tag}-${victim.pid}-1-zzzzzz`;
    await mkdir(path.join(tmp, dead));
    await writeFile(path.join(tmp, dead, 'rows-spool-x'), 'rows');
    const pruned = await cli('prune', '--dry-run');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(await runDirs(tmp)).toEqual([]);
  });
});
