/**
 * prune when a source cannot say who its tenants are: a discovery that fails (the directory or
 * database is gone) or that returns no tenant at all (an emptied view, a wrong query, an unmounted
 * volume) must leave that source's archives alone; an empty answer is no proof that every tenant
 * was deleted. The orphans policy here would remove all but one archive of an orphan, so a prune
 * that took the answer at its word would delete.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { listArchives } from '../../src/archive/catalog.js';
import { runCli } from '../helpers/cli.js';
import { makeArchive, makeLab, type Lab } from '../helpers/timeline.js';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

describe('prune with no usable tenant discovery', () => {
  let lab: Lab;
  beforeEach(async () => {
    lab = await makeLab(['acme', 'globex'], { retention: { keepLast: 5, orphans: { keepLast: 1 } } });
    for (const n of [4, 3, 2]) {
      await makeArchive(lab, { tenant: 'acme', at: daysAgo(n) });
      await makeArchive(lab, { tenant: 'globex', at: daysAgo(n) });
    }
  });
  afterEach(async () => lab.cleanup());

  it.each([
    ['fails (the source directory is gone)', async (data: string) => rename(data, `${data}.moved`)],
    [
      'returns no tenant (the directory is empty)',
      async (data: string) => {
        await rename(data, `${data}.moved`);
        await mkdir(data);
      },
    ],
  ])('discovery %s: nothing is removed and the run says why', async (_what, breakDiscovery) => {
    await breakDiscovery(path.join(lab.dir, 'data'));
    const run = await runCli(['-c', lab.configPath, '--json', 'prune']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/cannot discover the tenants of source media|returned no tenant/);
    expect(run.json.unchecked).toEqual([expect.objectContaining({ source: 'media' })]);
    expect((await listArchives(await lab.storage(), {})).filter((l) => l.complete)).toHaveLength(6);
  });
});
