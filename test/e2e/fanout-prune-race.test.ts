/**
 * Fan-out vs prune: with two storages, a slow one must not keep the fast one's object without a
 * sidecar (what prune takes for an abandoned upload once it is an hour old) until it finishes.
 * The slow storage's put is held just before its commit by the test-only pause hook
 * (ORGBACKUP_TEST_PAUSE_AT=local-commit@slow:.zip, resumed by SIGUSR2), the fast storage's object
 * is aged two hours (mtime), and a prune runs in the gap: the archive must survive on both storages
 * and create must report them ok with a sidecar each.
 */
import { execa } from 'execa';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  work = await tempDir('orgbackup-fanout-prune-');
});
afterEach(async () => {
  await work.cleanup();
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Resolves once every pattern has been seen on the child's stderr; rejects if it ends first. */
function stderrShows(child: ReturnType<typeof execa>, patterns: RegExp[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const check = () => patterns.every((p) => p.test(seen)) && resolve();
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      check();
    });
    child.once('exit', () => reject(new Error(`the run ended first: ${seen}`)));
  });
}

describe('a slow storage does not leave the fast one exposed to prune', () => {
  it('the fast storage commits its sidecar at once; a prune meanwhile keeps the archive', async () => {
    const config = await writeConfig(work.dir, {
      version: 1,
      sources: { media: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } },
      storage: { fast: { type: 'local', path: path.join(work.dir, 'fast') }, slow: { type: 'local', path: path.join(work.dir, 'slow') } },
      retention: { keepLast: 5 },
    });
    const child = execa(process.execPath, [BIN, '-c', config, '--no-progress', '--verbose', 'create', '--source', 'media', '--tenant', 'acme'], {
      reject: false,
      cwd: ROOT,
      stdin: 'ignore',
      env: { NO_COLOR: '1', ORGBACKUP_TEST_PAUSE_AT: 'local-commit@slow:.zip' },
    });
    // The slow storage is held before its commit, and the fast one says its archive is committed.
    await stderrShows(child, [/orgbackup-test: paused at local-commit .*\.zip/, /committed media\/acme\/\S+ on fast/]);
    const fast = path.join(work.dir, 'fast');
    const [object] = (await filesUnder(fast)).filter((f) => f.endsWith('.zip'));
    expect(object).toBeDefined();
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(path.join(fast, object!), twoHoursAgo, twoHoursAgo);

    const prune = await runCli(['-c', config, '--json', 'prune']);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect((await filesUnder(fast)).filter((f) => !f.startsWith('_'))).toEqual([object!.replace(/\.zip$/, '.manifest.json'), object].sort());

    child.kill('SIGUSR2');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const listed = (await runCli(['-c', config, '--json', 'list'])).json.archives as { storage: string }[];
    expect(listed.map((a) => a.storage).sort()).toEqual(['fast', 'slow']);
    const verify = await runCli(['-c', config, 'verify', '--all']);
    expect(verify.exitCode, verify.stderr + verify.stdout).toBe(0);
  });
});
