/**
 * A delete killed with SIGKILL between the sidecar and the object (held there by the test-only
 * pause hook, src/util/test-hooks.ts) leaves an incomplete archive: invisible to list, and removed
 * by prune once it is older than the upload grace hour. The dead run's storage lock makes the next
 * delete exit 75 until it expires. Also: --tenant without --source, and list --json's trigger.
 */
import { execa } from 'execa';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let work: { dir: string; cleanup(): Promise<void> };
let config: string;
beforeEach(async () => {
  work = await tempDir('orgbackup-delkill-');
  config = await writeConfig(work.dir, {
    version: 1,
    sources: { media: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } },
    storage: { disk: { type: 'local', path: path.join(work.dir, 'disk') } },
  });
});
afterEach(async () => {
  await work.cleanup();
});

const cli = (...args: string[]) => runCli(['-c', config, '--no-progress', ...args]);

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

async function filesOf(id: string): Promise<string[]> {
  const dir = path.join(work.dir, 'disk', path.dirname(id));
  return (await readdir(dir)).filter((f) => f.startsWith(path.basename(id))).sort();
}

describe('delete killed between sidecar and object', () => {
  it('leaves an incomplete archive that list ignores and prune removes; the dead lock makes delete exit 75', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await cli('--json', 'create', '--source', 'media', '--tenant', 'acme')).json.archives[0].id);
    const [older] = ids as [string, string];
    const child = execa(process.execPath, [BIN, '-c', config, 'delete', older, '--yes'], {
      reject: false,
      cwd: ROOT,
      stdin: 'ignore',
      env: { NO_COLOR: '1', ORGBACKUP_TEST_PAUSE_AT: 'remove-object' },
    });
    expect(await pausedAt(child)).toContain(`${older}.zip`);
    child.kill('SIGKILL');
    await child;

    expect(await filesOf(older)).toEqual([`${path.basename(older)}.zip`]);
    const listed = (await cli('--json', 'list')).json.archives.map((a: { id: string }) => a.id);
    expect(listed).toEqual([ids[1]]);
    const busy = await cli('--json', 'delete', older, '--yes');
    expect(busy.exitCode).toBe(75);

    const young = await cli('--json', 'prune', '--dry-run');
    expect(young.json.archives.find((a: { id: string }) => a.id === older)).toMatchObject({ complete: false, status: 'kept' });
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(path.join(work.dir, 'disk', `${older}.zip`), hoursAgo, hoursAgo);
    const old = await cli('--json', 'prune', '--dry-run');
    expect(old.json.archives.find((a: { id: string }) => a.id === older)).toMatchObject({ complete: false, status: 'would-remove' });
  });
});

describe('--tenant without --source', () => {
  it('list, verify and prune take --tenant with one source; list --json carries trigger and labels', async () => {
    const created = await cli('--json', 'create', '--source', 'media', '--tenant', 'acme', '--label', 'ticket=42');
    const id = created.json.archives[0].id;
    const list = await cli('--json', 'list', '--tenant', 'acme');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.json.archives).toEqual([expect.objectContaining({ id, trigger: 'manual', labels: { ticket: '42' } })]);
    const verify = await cli('--json', 'verify', '--tenant', 'acme');
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.json.archives.map((a: { id: string }) => a.id)).toEqual([id]);
    const prune = await cli('--json', 'prune', '--tenant', 'acme', '--dry-run');
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(prune.json.archives.map((a: { id: string }) => a.id)).toEqual([id]);
  });

  it('with several sources, --tenant selects the tenant in every source that has it', async () => {
    const two = await writeConfig(
      work.dir,
      {
        version: 1,
        sources: {
          media: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } },
          uploads: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } },
        },
        storage: { disk: { type: 'local', path: path.join(work.dir, 'disk') } },
      },
      'two.json',
    );
    const run = (...args: string[]) => runCli(['-c', two, '--no-progress', ...args]);
    expect((await run('create', '--source', 'media', '--tenant', 'acme')).exitCode).toBe(0);
    expect((await run('create', '--source', 'uploads', '--tenant', 'acme')).exitCode).toBe(0);
    expect((await run('create', '--source', 'media', '--tenant', 'globex')).exitCode).toBe(0);
    const list = await run('--json', 'list', '--tenant', 'acme');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.json.archives.map((a: { source: string; tenant: string }) => `${a.source}/${a.tenant}`).sort()).toEqual(['media/acme', 'uploads/acme']);
    const prune = await run('--json', 'prune', '--tenant', 'acme', '--dry-run');
    expect(prune.exitCode, prune.stderr).toBe(0);
    expect(prune.json.archives.map((a: { source: string }) => a.source).sort()).toEqual(['media', 'uploads']);
  });
});
