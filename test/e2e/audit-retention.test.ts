/**
 * The audit trail's own retention through the built binary, on local storage and S3 (s3rver):
 * prune removes the audit objects older than audit.keepWithin (their date is in the key, so old
 * runs are written here with buildChain and old times, linked as real runs are) and never a
 * younger one; `audit verify` still passes after old runs are pruned (the oldest remaining run
 * points at a pruned object older than keepWithin) and still catches a run removed in the middle.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChain } from '../../src/audit/chain.js';
import type { AuditObject } from '../../src/audit/read.js';
import { linkToNewest } from '../../src/audit/runs.js';
import { auditKey } from '../../src/audit/trail.js';
import { storageSchema } from '../../src/config/schema.js';
import { createStorage } from '../../src/storage/registry.js';
import type { Storage } from '../../src/storage/types.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> };
let s3: S3rverHandle;
const DAY = 86_400_000;

beforeAll(async () => {
  [tmp, s3] = await Promise.all([tempDir('orgbackup-e2e-audit-keep-'), startS3rver()]);
  await cp(path.join(ROOT, 'examples/tenants'), path.join(tmp.dir, 'tenants'), { recursive: true });
});
afterAll(async () => {
  await Promise.all([tmp?.cleanup(), s3?.stop()]);
});

/** Runs on the given days before now, each linked to the one before (the first to nothing), written straight to storage. */
async function oldRuns(storage: Storage, daysAgo: number[]): Promise<string[]> {
  const who = { user: 'ops', uid: 1000, host: 'old-host', pid: 7 };
  const written: AuditObject[] = [];
  for (const days of daysAgo) {
    const time = new Date(Date.now() - days * DAY);
    const key = auditKey(time, who.host, who.pid);
    const text = buildChain([{ action: 'verify', source: 'media', tenant: 'acme', archives: [], outcome: 'ok' }], 0, who, time, linkToNewest(written));
    await storage.put(key, Buffer.from(text, 'utf8'));
    written.push({ key, text });
  }
  return written.map((o) => o.key);
}

async function keysOf(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of storage.list('_audit/')) keys.push(o.key);
  return keys.sort();
}

const KINDS: [string, () => Record<string, unknown>][] = [
  ['local', () => ({ type: 'local', path: path.join(tmp.dir, 'disk') })],
  ['s3', () => s3StorageConfig(s3, { prefix: 'keep' })],
];

describe.each(KINDS)('audit retention on %s', (kind, storageConfig) => {
  it('prune removes audit objects older than keepWithin, keeps younger ones, and verify passes; a middle removal is still caught', async () => {
    const config = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: path.join(tmp.dir, 'tenants'), tenants: { mode: 'directory' } } },
        storage: { store: storageConfig() },
        retention: { keepLast: 5 },
        audit: { enabled: true, keepWithin: '100d' },
      },
      `${kind}.config.json`,
    );
    const cli = (...args: string[]) => runCli(['-c', config, '--no-progress', '--json', ...args]);
    const storage = await createStorage('store', storageSchema.parse(storageConfig()), tmp.dir);
    const [older, old, recent] = (await oldRuns(storage, [300, 200, 30])) as [string, string, string];

    // A real run links to the newest synthesized one; the trail verifies as written.
    expect((await cli('create', '--source', 'media', '--tenant', 'acme')).exitCode).toBe(0);
    const before = await keysOf(storage);
    expect(before.slice(0, 3)).toEqual([older, old, recent]);
    expect(before).toHaveLength(4);
    expect((await cli('audit', 'verify')).exitCode).toBe(0);

    const dry = await cli('prune', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.audit).toMatchObject({ storage: 'store', keepWithin: '100d', removed: [older, old], kept: 2, failed: [] });
    // A prune that acts on no archive writes no audit record of its own.
    expect(await keysOf(storage)).toEqual(before);

    const pruned = await cli('prune');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.json.audit).toMatchObject({ removed: [older, old], failed: [] });
    const after = await keysOf(storage);
    expect(after).not.toContain(older);
    expect(after).not.toContain(old);
    // The 30-day-old run (younger than keepWithin) and the real run stay.
    expect(after).toEqual([recent, before[3]]);

    // The oldest remaining run follows a pruned object older than keepWithin: accepted.
    const verified = await cli('audit', 'verify');
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json.objects.map((o: { key: string }) => o.key)).toEqual(after);

    // A second prune has nothing older to remove and never touches the young ones.
    const again = await cli('prune');
    expect(again.json.audit.removed).toEqual([]);

    // Removing a run younger than keepWithin is still caught through the run after it.
    await storage.delete(recent);
    const broken = await cli('audit', 'verify');
    expect(broken.exitCode).toBe(5);
    expect(broken.json.objects.filter((o: { status: string }) => o.status === 'tampered')).toEqual([
      expect.objectContaining({ key: before[3], error: expect.stringMatching(`follows ${recent}, which is missing`) }),
    ]);
  });
});

describe('audit retention scope', () => {
  it('a prune of one tenant leaves the trail alone', async () => {
    const disk = path.join(tmp.dir, 'scoped');
    const config = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: path.join(tmp.dir, 'tenants'), tenants: { mode: 'directory' } } },
        storage: { store: { type: 'local', path: disk } },
        audit: { enabled: true },
      },
      'scoped.config.json',
    );
    const storage = await createStorage('store', storageSchema.parse({ type: 'local', path: disk }), tmp.dir);
    const [ancient, newest] = (await oldRuns(storage, [900, 800])) as [string, string];
    const scoped = await runCli(['-c', config, '--json', 'prune', '--source', 'media', '--tenant', 'acme']);
    expect(scoped.exitCode, scoped.stderr).toBe(0);
    expect(scoped.json.audit).toBeUndefined();
    expect(await keysOf(storage)).toContain(ancient);
    // The default keepWithin (400d) removes both but the newest, which the next run links to.
    const all = await runCli(['-c', config, '--json', 'prune']);
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.json.audit).toMatchObject({ keepWithin: '400d', removed: [ancient], kept: 1 });
    expect(await keysOf(storage)).toEqual([newest]);
  });
});
