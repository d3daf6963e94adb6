/**
 * SIGTERM/SIGINT while an archive is being committed (the object's fsync+link, then the sidecar's):
 * exit 130/143, and the interrupted tenant leaves nothing behind (no object, no sidecar, no temp
 * file); the next run stores it. The run is held at the exact step by the test-only pause hook
 * (src/util/test-hooks.ts), so the signal lands there whatever the machine's load.
 */
import { execa } from 'execa';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  work = await tempDir('orgbackup-sigcommit-');
});
afterEach(async () => {
  await work.cleanup();
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Resolves once the child says it is paused at the hook; rejects if it ends first. */
function pausedAt(child: ReturnType<typeof execa>): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = /orgbackup-test: paused at .*/.exec(seen);
      if (line) resolve(line[0]);
    });
    child.once('exit', () => reject(new Error(`the run ended before it paused: ${seen}`)));
  });
}

describe('interrupted while committing an archive', () => {
  it.each([
    ['the object', '.zip', 'SIGTERM', 143, 1],
    ['the sidecar', '.manifest.json', 'SIGTERM', 143, 1],
    ['the sidecar', '.manifest.json', 'SIGINT', 130, 1],
    ['the object', '.zip', 'SIGTERM', 143, 2],
    ['the sidecar', '.manifest.json', 'SIGTERM', 143, 2],
  ] as const)('at %s (%s) by %s: exit %i, nothing left, next run fine (%i storages)', async (_what, suffix, signal, code, count) => {
    const tmp = path.join(work.dir, 'tmp');
    await mkdir(tmp);
    const names = count === 1 ? ['one'] : ['one', 'two'];
    const storage = Object.fromEntries(names.map((name) => [name, { type: 'local', path: path.join(work.dir, name) }]));
    const config = await writeConfig(work.dir, {
      version: 1,
      sources: { media: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } },
      storage,
    });
    const args = ['-c', config, '--no-progress', 'create', '--source', 'media', '--tenant', 'acme'];
    const env = { NO_COLOR: '1', TMPDIR: tmp };
    const child = execa(process.execPath, [BIN, ...args], { reject: false, cwd: ROOT, stdin: 'ignore', env: { ...env, ORGBACKUP_TEST_PAUSE_AT: `local-commit:${suffix}` } });
    const paused = await pausedAt(child);
    expect(paused).toContain(suffix);
    child.kill(signal);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(code);
    expect(String(result.stderr)).toContain(`interrupted by ${signal}`);
    expect(String(result.stderr)).not.toContain('The operation was aborted');
    for (const name of names) expect(await filesUnder(path.join(work.dir, name)), name).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
    expect((await runCli(['-c', config, '--json', 'list'])).json.archives).toEqual([]);

    const next = await runCli(['-c', config, '--json', ...args.slice(2)], { env });
    expect(next.exitCode, next.stderr).toBe(0);
    const listed = (await runCli(['-c', config, '--json', 'list'])).json.archives as unknown[];
    expect(listed).toHaveLength(count);
  });
});
