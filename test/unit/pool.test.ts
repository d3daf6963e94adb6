/** mapLimit, mapOrdered and Slots (src/util/pool.ts): bounded concurrency, order kept, releases idempotent. */
import { describe, expect, it } from 'vitest';
import { mapLimit, mapOrdered, Slots } from '../../src/util/pool.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Slots', () => {
  it.each([1, 2, 3])('never lets more than %i holders in, and hands slots over in arrival order', async (limit) => {
    const slots = new Slots(limit);
    let holding = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const release = await slots.acquire();
        order.push(i);
        holding++;
        most = Math.max(most, holding);
        await tick();
        holding--;
        release();
        release(); // a second release must not free a second slot
      }),
    );
    expect(most).toBe(limit);
    expect(order).toEqual([...Array(10).keys()]);
  });

  it('lets a worker give its slot back early while it keeps working (create: dump, then commit)', async () => {
    const slots = new Slots(2);
    let dumping = 0;
    let most = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    await mapLimit([...Array(12).keys()], 4, async () => {
      const release = await slots.acquire();
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      dumping++;
      most = Math.max(most, dumping);
      await tick();
      dumping--;
      release();
      await tick();
      await tick();
      inFlight--;
      release();
    });
    expect(most).toBe(2);
    expect(mostInFlight).toBeGreaterThan(2);
    expect(mostInFlight).toBeLessThanOrEqual(4);
  });
});

describe('mapLimit', () => {
  it.each([
    [1, 5],
    [3, 5],
    [10, 5],
  ])("limit %i over %i items keeps the items' order", async (limit, count) => {
    const results = await mapLimit([...Array(count).keys()], limit, async (n) => {
      await tick();
      return n * 2;
    });
    expect(results).toEqual([...Array(count).keys()].map((n) => n * 2));
  });
});

describe('mapOrdered', () => {
  async function* slowly(n: number) {
    for (let i = 0; i < n; i++) {
      await tick();
      yield i;
    }
  }

  it.each([1, 2, 8])('runs at most %i at once, reads no further ahead, and yields in the source order', async (limit) => {
    let running = 0;
    let most = 0;
    let read = 0;
    let aheadMost = 0;
    let yielded = 0;
    const source = (async function* () {
      for await (const i of slowly(20)) {
        read++;
        yield i;
      }
    })();
    const out: number[] = [];
    for await (const value of mapOrdered(source, limit, async (i) => {
      running++;
      most = Math.max(most, running);
      // Later items finish first: order must come from the source, not from completion.
      for (let t = 0; t < 20 - i; t++) await tick();
      running--;
      return i * 10;
    })) {
      out.push(value);
      yielded++;
      aheadMost = Math.max(aheadMost, read - yielded);
    }
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(most).toBeLessThanOrEqual(limit);
    expect(aheadMost).toBeLessThanOrEqual(limit);
  });

  it('throws a failure when its turn comes, after the results before it', async () => {
    const out: number[] = [];
    const run = async () => {
      for await (const value of mapOrdered([1, 2, 3, 4], 2, async (i) => (i === 3 ? Promise.reject(new Error('three')) : i))) out.push(value);
    };
    await expect(run()).rejects.toThrow('three');
    expect(out).toEqual([1, 2]);
  });
});
