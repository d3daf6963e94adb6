/** Group commit of directory fsyncs (src/storage/dir-sync.ts), with an injected sync that records its calls. */
import { describe, expect, it } from 'vitest';
import { DirectorySync } from '../../src/storage/dir-sync.js';

function recorder(fail: ReadonlySet<string> = new Set()) {
  const calls: string[][] = [];
  let current: string[] | undefined;
  const pending: (() => void)[] = [];
  const syncOne = (dir: string) =>
    new Promise<void>((resolve, reject) => {
      if (!current) {
        current = [];
        calls.push(current);
        // Every fsync of one round starts in the same turn; the round ends when they are released.
        queueMicrotask(() => (current = undefined));
      }
      current.push(dir);
      pending.push(() => (fail.has(dir) ? reject(new Error(`EIO ${dir}`)) : resolve()));
    });
  const releaseAll = () => pending.splice(0).forEach((release) => release());
  return { calls, syncOne, releaseAll };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DirectorySync', () => {
  it.each([
    { requests: ['a'], rounds: [['a']] },
    { requests: ['a', 'a', 'a'], rounds: [['a']] },
    { requests: ['a', 'b', 'a', 'c'], rounds: [['a', 'b', 'c']] },
  ])('requests made together share one round, one fsync per directory: $requests', async ({ requests, rounds }) => {
    const r = recorder();
    const sync = new DirectorySync(r.syncOne, 'local');
    const done = requests.map((dir) => sync.sync(dir));
    await tick();
    r.releaseAll();
    await Promise.all(done);
    expect(r.calls).toEqual(rounds);
  });

  it('a request made while a round runs waits for the next round, never for the one already under way', async () => {
    const r = recorder();
    const sync = new DirectorySync(r.syncOne, 'local');
    const first = sync.sync('a');
    await tick();
    expect(r.calls).toEqual([['a']]);
    let secondDone = false;
    const second = sync.sync('a').then(() => (secondDone = true));
    r.releaseAll();
    await first;
    await tick();
    expect(secondDone).toBe(false);
    expect(r.calls).toEqual([['a'], ['a']]);
    r.releaseAll();
    await second;
  });

  it('a failed fsync fails the requests for that directory only', async () => {
    const r = recorder(new Set(['bad']));
    const sync = new DirectorySync(r.syncOne, 'local');
    const good = sync.sync('good');
    const bad = sync.sync('bad');
    await tick();
    r.releaseAll();
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('EIO bad');
  });
});
