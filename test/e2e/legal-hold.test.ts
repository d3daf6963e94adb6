/**
 * Legal holds through the built binary on local, S3 (s3rver) and rclone storage at once: hold writes
 * <id>.hold.json in each, list shows it, prune keeps a held archive (status held) that retention
 * would remove, delete refuses it even with --force, forget keeps it and exits non-zero, release
 * lets prune remove it; hold and release are audited. A hostile hold object (garbage, another id's
 * record, an orphan older than the incomplete-archive grace) still holds, or is simply ignored, and
 * is never taken for an archive or an incomplete archive.
 */
import { cp, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { startRclone, type RcloneFixture } from '../helpers/rclone.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let s3: S3rverHandle;
let rc: RcloneFixture;
let tmp: { dir: string; cleanup(): Promise<void> };
let config: string;
let disk: string;
const STORAGES = ['disk', 'offsite', 'drive'];

beforeAll(async () => {
  [s3, rc, tmp] = await Promise.all([startS3rver(), startRclone(), tempDir('orgbackup-e2e-hold-')]);
  const tenantsDir = path.join(tmp.dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenantsDir, { recursive: true });
  disk = path.join(tmp.dir, 'disk');
  config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { media: { type: 'files', path: tenantsDir, tenants: { mode: 'directory' } } },
    storage: {
      disk: { type: 'local', path: disk },
      offsite: s3StorageConfig(s3, { prefix: 'prod' }),
      drive: { type: 'rclone', remote: `${rc.localRemote}/drive`, configFile: rc.configFile },
    },
    defaults: { storage: STORAGES },
    retention: { keepLast: 1 },
    audit: { enabled: true },
  });
});

afterAll(async () => {
  await Promise.all([s3?.stop(), rc?.stop(), tmp?.cleanup()]);
});

const cli = (...args: string[]) => runCli(['-c', config, '--no-progress', ...args]);

async function createArchive(tenant: string): Promise<string> {
  const created = await cli('--json', 'create', '--source', 'media', '--tenant', tenant);
  expect(created.exitCode, created.stderr).toBe(0);
  return created.json.archives[0].id as string;
}

type Listed = { id: string; storage: string; held?: boolean; hold?: { reason?: string; actor?: string; unreadable?: string } };
async function listed(tenant: string): Promise<Listed[]> {
  const result = await cli('--json', 'list', '--source', 'media', '--tenant', tenant);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json.archives;
}

type Pruned = { id: string; storage: string; status: string; reasons: string[]; hold?: { reason?: string; unreadable?: string } };
async function prune(tenant: string): Promise<Pruned[]> {
  const result = await cli('--json', 'prune', '--source', 'media', '--tenant', tenant);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json.archives;
}

const statuses = (items: { id: string; storage: string; status: string }[], id: string) =>
  items
    .filter((a) => a.id === id)
    .map((a) => `${a.storage}:${a.status}`)
    .sort();
const everywhere = (status: string) => STORAGES.map((s) => `${s}:${status}`).sort();

// Each run of the binary takes seconds on a loaded machine; these tests run some twenty each.
describe('hold and release', { timeout: 900_000 }, () => {
  it('prune keeps a held archive, delete refuses it even with --force, release lets prune remove it; both audited', async () => {
    const held = await createArchive('acme');
    const other = await createArchive('acme');
    const newest = await createArchive('acme');

    const noReason = await cli('--json', 'hold', held);
    expect(noReason.exitCode).toBe(2);
    expect(noReason.json.error.message).toContain('--reason');

    const dry = await cli('--json', 'hold', held, '--reason', 'litigation 2026-114', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(statuses(dry.json.archives, held)).toEqual(everywhere('would-hold'));

    const hold = await cli('--json', '--actor', 'legal@example.com', 'hold', held, '--reason', 'litigation 2026-114');
    expect(hold.exitCode, hold.stderr).toBe(0);
    expect(statuses(hold.json.archives, held)).toEqual(everywhere('held'));
    const record = JSON.parse(await readFile(path.join(disk, `${held}.hold.json`), 'utf8'));
    expect(record).toMatchObject({ kind: 'orgbackup-hold', id: held, reason: 'litigation 2026-114', heldBy: { actor: 'legal@example.com' } });
    expect(typeof record.heldBy.user).toBe('string');

    const again = await cli('--json', 'hold', held, '--reason', 'another case', '--storage', 'disk');
    expect(statuses(again.json.archives, held)).toEqual(['disk:already-held']);
    expect(again.json.archives[0].hold.reason).toBe('litigation 2026-114');

    const shown = (await listed('acme')).filter((a) => a.id === held);
    expect(shown.map((a) => a.storage).sort()).toEqual([...STORAGES].sort());
    for (const a of shown) expect(a.hold).toMatchObject({ reason: 'litigation 2026-114', actor: 'legal@example.com' });
    const text = await cli('list', '--long', '--source', 'media', '--tenant', 'acme');
    expect(text.stdout).toMatch(new RegExp(`${held} \\(held\\).*"litigation 2026-114" by legal@example.com`));

    const pruned = await prune('acme');
    expect(
      pruned
        .filter((a) => a.id === held)
        .map((a) => `${a.storage}:${a.status}`)
        .sort(),
    ).toEqual(everywhere('held'));
    expect(pruned.find((a) => a.id === held)!.reasons[0]).toBe('legal hold: "litigation 2026-114"');
    expect(pruned.filter((a) => a.id === other).map((a) => a.status)).toEqual(['removed', 'removed', 'removed']);
    expect(pruned.some((a) => a.id.includes('.hold'))).toBe(false);
    expect((await listed('acme')).map((a) => a.id).sort()).toEqual([held, held, held, newest, newest, newest].sort());

    for (const force of [[], ['--force']]) {
      const refused = await cli('--json', 'delete', held, '--yes', ...force);
      expect(refused.exitCode).toBe(2);
      expect(refused.json.error.message).toContain('legal hold');
      expect(refused.json.error.message).toContain('litigation 2026-114');
      expect(refused.json.error.hint).toContain(`orgbackup release ${held}`);
    }
    expect((await listed('acme')).filter((a) => a.id === held)).toHaveLength(3);

    const release = await cli('--json', '--actor', 'legal@example.com', 'release', held, '--reason', 'case closed');
    expect(release.exitCode, release.stderr).toBe(0);
    expect(statuses(release.json.archives, held)).toEqual(everywhere('released'));
    await expect(stat(path.join(disk, `${held}.hold.json`))).rejects.toThrow();

    const after = await prune('acme');
    expect(after.filter((a) => a.id === held).map((a) => a.status)).toEqual(['removed', 'removed', 'removed']);

    const trail = await cli('--json', 'audit', '--tenant', 'acme');
    // The dry run, the hold and the release; the second hold changed nothing and left no record.
    const actions = trail.json.records.map((r: { action: string; outcome: string }) => `${r.action}:${r.outcome}`);
    expect(actions.filter((a: string) => /^(hold|release):/.test(a)).sort()).toEqual(['hold:dry-run', 'hold:ok', 'release:ok']);
    const holdRecord = trail.json.records.find((r: { action: string; outcome: string }) => r.action === 'hold' && r.outcome === 'ok');
    expect(holdRecord).toMatchObject({ outcome: 'ok', archives: [held], reason: 'litigation 2026-114', who: { actor: 'legal@example.com' } });
    expect([...holdRecord.storages].sort()).toEqual([...STORAGES].sort());
    expect(trail.json.records.find((r: { action: string }) => r.action === 'release')).toMatchObject({ reason: 'case closed' });
  });

  it('forget keeps held archives, lists them as held in its receipt and exits 3; after release it erases them', async () => {
    const kept = await createArchive('globex');
    const gone = await createArchive('globex');
    expect((await cli('hold', kept, '--reason', 'tax audit')).exitCode).toBe(0);

    const dry = await cli('--json', 'forget', '--source', 'media', '--tenant', 'globex', '--all', '--dry-run');
    expect(dry.exitCode).toBe(3);
    expect(statuses(dry.json.archives, kept)).toEqual(everywhere('held'));

    const forget = await cli('--json', 'forget', '--source', 'media', '--tenant', 'globex', '--all', '--yes');
    expect(forget.exitCode).toBe(3);
    expect(statuses(forget.json.archives, kept)).toEqual(everywhere('held'));
    expect(statuses(forget.json.archives, gone)).toEqual(everywhere('removed'));
    expect(forget.json.summary).toMatchObject({ removed: 3, held: 3, failed: 0 });
    expect(forget.json.archives.find((a: { id: string }) => a.id === kept).error).toContain('tax audit');
    expect((await listed('globex')).map((a) => a.id)).toEqual([kept, kept, kept]);
    const text = await cli('forget', '--source', 'media', '--tenant', 'globex', '--all', '--yes');
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('kept under legal hold');

    expect((await cli('release', kept)).exitCode).toBe(0);
    const erased = await cli('--json', 'forget', '--source', 'media', '--tenant', 'globex', '--all', '--yes');
    expect(erased.exitCode, erased.stderr).toBe(0);
    expect(await listed('globex')).toEqual([]);
  });

  it('a hostile hold object still holds (reason unreadable), and an orphan one is neither an archive nor an incomplete one', async () => {
    const garbage = await createArchive('initech');
    const foreign = await createArchive('initech');
    await createArchive('initech');
    await writeFile(path.join(disk, `${garbage}.hold.json`), '{"kind": "orgbackup-hold", "reason": ');
    const other = { kind: 'orgbackup-hold', version: 1, id: 'media/initech/2020-01-01T00-00-00.000Z', reason: 'x', heldAt: new Date().toISOString(), heldBy: { user: 'u', uid: 1, host: 'h' } };
    await writeFile(path.join(disk, `${foreign}.hold.json`), JSON.stringify(other));
    // An orphan hold object (its archive removed by hand), older than the hour after which prune cleans incomplete archives.
    const orphan = path.join(disk, 'media/initech/2021-01-01T00-00-00.000Z.hold.json');
    await writeFile(orphan, JSON.stringify({ ...other, id: 'media/initech/2021-01-01T00-00-00.000Z' }));
    const old = new Date(Date.now() - 3 * 3_600_000);
    await utimes(orphan, old, old);

    const shown = (await listed('initech')).filter((a) => a.storage === 'disk');
    expect(shown).toHaveLength(3);
    expect(shown.find((a) => a.id === garbage)!.hold!.unreadable).toContain('not valid JSON');
    expect(shown.find((a) => a.id === foreign)!.hold!.unreadable).toContain('names another archive');

    const pruned = (await prune('initech')).filter((a) => a.storage === 'disk');
    expect(pruned.map((a) => a.id).sort()).toEqual(shown.map((a) => a.id).sort());
    expect(pruned.find((a) => a.id === garbage)).toMatchObject({ status: 'held', reasons: expect.arrayContaining(['legal hold (reason unreadable)']) });
    expect(pruned.find((a) => a.id === foreign)!.status).toBe('held');
    await expect(stat(orphan)).resolves.toBeTruthy();
    await expect(stat(path.join(disk, `${garbage}.zip`))).resolves.toBeTruthy();

    const refused = await cli('--json', 'delete', garbage, '--storage', 'disk', '--yes', '--force');
    expect(refused.exitCode).toBe(2);
    expect(refused.json.error.message).toContain('reason unreadable');
  });
});
