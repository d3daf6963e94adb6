import { describe, expect, it } from 'vitest';
import { inShard, resolveShard, shardOf, shardTag } from '../../src/schedule/shard.js';

describe('resolveShard', () => {
  it.each([
    { flag: '0/2', env: {}, shard: { index: 0, count: 2 } },
    { flag: ' 3 / 4 ', env: {}, shard: { index: 3, count: 4 } },
    { flag: '0/1', env: {}, shard: { index: 0, count: 1 } },
    { flag: '1/2', env: { JOB_COMPLETION_INDEX: '0', ORGBACKUP_SHARDS: '4' }, shard: { index: 1, count: 2 } },
    { flag: undefined, env: { JOB_COMPLETION_INDEX: '2', ORGBACKUP_SHARDS: '3' }, shard: { index: 2, count: 3 } },
    { flag: undefined, env: { JOB_COMPLETION_INDEX: '2' }, shard: undefined },
    { flag: undefined, env: {}, shard: undefined },
  ])('--shard $flag with $env', ({ flag, env, shard }) => {
    expect(resolveShard(flag, env)).toEqual(shard);
  });

  it.each([
    { flag: '2/2', env: {}, error: /index must be a whole number from 0 to 1/ },
    { flag: '0/0', env: {}, error: /count must be/ },
    { flag: '1', env: {}, error: /expected I\/N/ },
    { flag: '-1/2', env: {}, error: /expected I\/N/ },
    { flag: 'a/b', env: {}, error: /expected I\/N/ },
    { flag: '0/5000', env: {}, error: /count must be/ },
    { flag: undefined, env: { ORGBACKUP_SHARDS: '4' }, error: /JOB_COMPLETION_INDEX is not/ },
    { flag: undefined, env: { ORGBACKUP_SHARDS: '4', JOB_COMPLETION_INDEX: '4' }, error: /index must be a whole number from 0 to 3/ },
    { flag: undefined, env: { ORGBACKUP_SHARDS: 'many', JOB_COMPLETION_INDEX: '0' }, error: /count must be/ },
  ])('rejects --shard $flag with $env', ({ flag, env, error }) => {
    expect(() => resolveShard(flag, env)).toThrow(error);
  });
});

describe('shardOf', () => {
  // Pinned values: the assignment must never change between versions, or a tenant would be
  // backed up twice or not at all while Indexed Job pods run different versions.
  it.each([
    { source: 'app', tenant: '42', count: 4 },
    { source: 'app', tenant: 'acme', count: 2 },
    { source: 'media', tenant: 'acme', count: 2 },
    { source: 'app', tenant: 'ünïcode/ten ant', count: 7 },
  ])('$source/$tenant of $count is stable and in range', ({ source, tenant, count }) => {
    const shard = shardOf(source, tenant, count);
    expect(shard).toBeGreaterThanOrEqual(0);
    expect(shard).toBeLessThan(count);
    expect(shardOf(source, tenant, count)).toBe(shard);
  });

  // Expected values computed outside the code under test:
  //   python3 -c "import hashlib; print(int(hashlib.sha256(b'app\\0acme').hexdigest()[:12], 16) % 3)"
  it.each([
    { source: 'app', tenant: '1', count: 2, shard: 1 },
    { source: 'app', tenant: '2', count: 2, shard: 1 },
    { source: 'app', tenant: '3', count: 2, shard: 0 },
    { source: 'app', tenant: 'acme', count: 3, shard: 1 },
    { source: 'media', tenant: 'acme', count: 7, shard: 5 },
  ])('pinned: $source/$tenant of $count -> $shard', ({ source, tenant, count, shard }) => {
    expect(shardOf(source, tenant, count)).toBe(shard);
  });

  it.each([2, 3, 5, 8])('%i shards cover 1000 tenants exactly once and fairly', (count) => {
    const tenants = Array.from({ length: 1000 }, (_, i) => `org-${i}`);
    const filters = Array.from({ length: count }, (_, index) => inShard({ index, count }));
    const sizes = filters.map((keep) => tenants.filter((t) => keep('app', t)).length);
    for (const t of tenants) expect(filters.filter((keep) => keep('app', t))).toHaveLength(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
    for (const size of sizes) expect(Math.abs(size - 1000 / count)).toBeLessThan((1000 / count) * 0.25);
  });

  it.each([
    { shard: undefined, tag: 'all' },
    { shard: { index: 1, count: 4 }, tag: 'shard-1-of-4' },
  ])('tag $tag', ({ shard, tag }) => {
    expect(shardTag(shard)).toBe(tag);
  });
});
