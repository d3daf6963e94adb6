/**
 * `verify --sample P%` walks through the tenants over several runs, a part per run, with the
 * rotation kept in storage (a stateless CronJob pod picks up where the last run stopped);
 * `verify --subset I/N` checks the part it names.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createArchives } from '../helpers/restore.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { shardOf } from '../../src/schedule/shard.js';

const TENANTS = Array.from({ length: 12 }, (_, i) => `org-${i}`);
let tmp: { dir: string; cleanup(): Promise<void> };
let config: string;

beforeAll(async () => {
  tmp = await tempDir();
  const root = path.join(tmp.dir, 'tenants');
  for (const tenant of TENANTS) {
    await mkdir(path.join(root, tenant), { recursive: true });
    await writeFile(path.join(root, tenant, 'file.txt'), `data of ${tenant}\n`);
  }
  config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { uploads: { type: 'files', path: root, tenants: { mode: 'directory' } } },
    storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } },
  });
  await createArchives(config);
}, 120_000);
afterAll(() => tmp?.cleanup());

const verify = async (...args: string[]) => {
  const res = await runCli(['-c', config, '--json', 'verify', ...args]);
  expect(res.exitCode, res.stderr).toBe(0);
  return { tenants: (res.json.archives as { id: string }[]).map((a) => a.id.split('/')[1]!).sort(), parts: res.json.parts as unknown[] };
};
const partOf = (index: number, count: number) => TENANTS.filter((t) => shardOf('uploads', t, count) === index).sort();

describe('verify --sample and --subset', () => {
  it('--sample 34% checks a third of the tenants per run and every tenant once over three runs, then starts again', async () => {
    const runs = [];
    for (let run = 0; run < 4; run++) runs.push(await verify('--sample', '34%'));
    expect(runs.map((r) => r.parts)).toEqual([0, 1, 2, 0].map((index) => [{ storage: 'local', index, count: 3 }]));
    for (const [i, run] of runs.entries()) expect(run.tenants).toEqual(partOf(i % 3, 3));
    expect(
      runs
        .slice(0, 3)
        .flatMap((r) => r.tenants)
        .sort(),
    ).toEqual([...TENANTS].sort());
  });

  it('--subset I/N checks the tenants of that part only, and leaves the --sample rotation alone', async () => {
    for (let index = 0; index < 4; index++) expect((await verify('--subset', `${index}/4`)).tenants).toEqual(partOf(index, 4));
    const first = await verify('--sample', '25%');
    expect(first.parts).toEqual([{ storage: 'local', index: 0, count: 4 }]);
  });

  it('refuses --subset with --sample, or with archive ids, and a bad share (exit 2, nothing checked)', async () => {
    for (const args of [
      ['--subset', '0/2', '--sample', '50%'],
      ['--subset', '0/2', 'uploads/org-1/2026-01-01T00-00-00.000Z'],
      ['--sample', '0%'],
      ['--subset', '2/2'],
    ]) {
      const res = await runCli(['-c', config, 'verify', ...args]);
      expect(res.exitCode, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/--subset|--sample/);
    }
  });
});
