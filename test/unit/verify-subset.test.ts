import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src/schedule/shard.js';
import { inSubset, parseSample, parseSubset } from '../../src/verify/subset.js';

describe('parseSubset', () => {
  it.each([
    { text: '0/1', part: { index: 0, count: 1 } },
    { text: ' 3 / 7 ', part: { index: 3, count: 7 } },
    { text: '999/1000', part: { index: 999, count: 1000 } },
  ])('$text', ({ text, part }) => expect(parseSubset(text)).toEqual(part));

  it.each(['7/7', '0/0', '1', '-1/2', 'a/b', '0/1001', '1/2/3', ''])('rejects %j', (text) => {
    expect(() => parseSubset(text)).toThrow(/--subset .*expected I\/N/);
  });
});

describe('parseSample', () => {
  it.each([
    { text: '100%', count: 1 },
    { text: '50%', count: 2 },
    { text: '30%', count: 4 },
    { text: '15%', count: 7 },
    { text: '10 %', count: 10 },
    { text: '0.1%', count: 1000 },
  ])('$text -> $count parts', ({ text, count }) => expect(parseSample(text)).toBe(count));

  it.each(['0%', '101%', '10', 'ten%', '0.05%', '-5%', ''])('rejects %j', (text) => {
    expect(() => parseSample(text)).toThrow(/--sample .*expected a percentage/);
  });
});

describe('inSubset', () => {
  const refs = Array.from({ length: 200 }, (_, i) => ({ source: i % 2 ? 'app' : 'files', tenant: `tenant-${i}` }));

  it.each([1, 2, 7, 10])('the %i parts hold every tenant exactly once, each in its --shard', (count) => {
    for (const ref of refs) {
      const parts = Array.from({ length: count }, (_, index) => index).filter((index) => inSubset(ref, { index, count }));
      expect(parts).toEqual([shardOf(ref.source, ref.tenant, count)]);
    }
  });

  it('splits 200 tenants into 10 parts of roughly equal size (none empty, none over 2x its share)', () => {
    const sizes = Array.from({ length: 10 }, (_, index) => refs.filter((ref) => inSubset(ref, { index, count: 10 })).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    for (const size of sizes) {
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThanOrEqual(40);
    }
  });
});
