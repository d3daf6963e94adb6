/**
 * Sharding tenants across parallel runs (Kubernetes Indexed Jobs): a tenant belongs to shard
 * `hash(source, tenant id) mod N`. The hash is the first 48 bits of SHA-256 over
 * `<source>\0<tenant id>`, so the assignment is the same on every machine and in every version,
 * and does not move when other tenants are added or removed.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export interface Shard {
  index: number;
  count: number;
}

export const MAX_SHARDS = 1000;

export function shardOf(source: string, tenant: string, count: number): number {
  const digest = createHash('sha256').update(source).update('\0').update(tenant).digest();
  return digest.readUIntBE(0, 6) % count;
}

export function inShard(shard: Shard | undefined): (source: string, tenant: string) => boolean {
  if (!shard || shard.count === 1) return () => true;
  return (source, tenant) => shardOf(source, tenant, shard.count) === shard.index;
}

/** `all`, or `shard-<i>-of-<n>`: names the state and lock of one shard so shards never share them. */
export function shardTag(shard: Shard | undefined): string {
  return shard ? `shard-${shard.index}-of-${shard.count}` : 'all';
}

function wholeNumber(text: string): number | undefined {
  return /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function checked(index: number | undefined, count: number | undefined, from: string): Shard {
  if (count === undefined || count < 1 || count > MAX_SHARDS) {
    throw new UsageError(`${from}: the shard count must be a whole number from 1 to ${MAX_SHARDS}`, { hint: 'e.g. --shard 0/4, or ORGBACKUP_SHARDS=4' });
  }
  if (index === undefined || index >= count) {
    throw new UsageError(`${from}: the shard index must be a whole number from 0 to ${count - 1}`, { hint: `shards are numbered 0..${count - 1}, like JOB_COMPLETION_INDEX` });
  }
  return { index, count };
}

/**
 * The shard of this run: `--shard I/N`, else JOB_COMPLETION_INDEX (set by Kubernetes in Indexed
 * Jobs) with ORGBACKUP_SHARDS=N, else none (every tenant).
 */
export function resolveShard(flag: string | undefined, env: Record<string, string | undefined>): Shard | undefined {
  if (flag !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flag);
    if (!m) throw new UsageError(`--shard ${flag}: expected I/N, e.g. 0/4`, { hint: "I is this run's shard (0..N-1), N the number of shards" });
    return checked(wholeNumber(m[1]!), wholeNumber(m[2]!), `--shard ${flag}`);
  }
  const shards = env.ORGBACKUP_SHARDS;
  if (shards === undefined || shards === '') return undefined;
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || index === '') {
    throw new UsageError(`ORGBACKUP_SHARDS=${shards} is set but JOB_COMPLETION_INDEX is not`, {
      hint: 'run as a Kubernetes Indexed Job (completionMode: Indexed), or pass --shard I/N',
    });
  }
  return checked(wholeNumber(index), wholeNumber(shards), `JOB_COMPLETION_INDEX=${index} with ORGBACKUP_SHARDS=${shards}`);
}
