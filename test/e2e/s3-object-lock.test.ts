/**
 * S3 Object Lock against s3rver behind the recording fault proxy. s3rver 3.7 accepts the lock
 * headers but ignores them (HeadObject returns no retention, DELETE always succeeds) and answers
 * GetObjectLockConfiguration with 501 NotImplemented: so the proxy records what the driver sends,
 * answers GetObjectLockConfiguration for the "bucket with Object Lock" case (an injected answer), and
 * injects the AccessDenied a locked object's DELETE gets. What s3rver cannot show (a real refusal, a
 * real retain-until date in HeadObject) is said in docs/storage.md.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../helpers/s3-fault-proxy.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let s3: S3rverHandle;
let proxy: FaultProxy;
let tmp: { dir: string; cleanup(): Promise<void> };
let config: string;
const mode = { bucketLocked: true, denyDeletes: false };
const LOCK_CONFIG = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>');

beforeAll(async () => {
  [s3, tmp] = await Promise.all([startS3rver(), tempDir('orgbackup-e2e-objlock-')]);
  proxy = await startFaultProxy(s3.endpoint, (request) => {
    if (request.method === 'GET' && /[?&]object-lock/.test(request.url)) return mode.bucketLocked ? { body: LOCK_CONFIG } : undefined;
    if (mode.denyDeletes && request.method === 'DELETE' && request.url.includes('/media/')) return { status: 403, code: 'AccessDenied' };
    return undefined;
  });
  const tenantsDir = path.join(tmp.dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenantsDir, { recursive: true });
  // Incompressible and over one 5 MiB part: the archive goes up as a multipart upload.
  await mkdir(path.join(tenantsDir, 'bigcorp'), { recursive: true });
  await writeFile(path.join(tenantsDir, 'bigcorp', 'blob.bin'), randomBytes(6 * 1024 * 1024));
  config = await writeConfig(tmp.dir, {
    version: 1,
    sources: { media: { type: 'files', path: tenantsDir, tenants: { mode: 'directory' } } },
    storage: { locked: { ...s3StorageConfig(s3, { prefix: 'worm', endpoint: proxy.endpoint }), partSizeMiB: 5, objectLock: { mode: 'governance', days: 30 } } },
    retention: { keepLast: 1 },
  });
});

afterAll(async () => {
  await Promise.all([proxy?.stop(), s3?.stop(), tmp?.cleanup()]);
});

const cli = (...args: string[]) => runCli(['-c', config, '--no-progress', ...args]);
const DAY = 86_400_000;

function lockOf(request: ProxiedRequest): { mode?: string; until?: number } {
  const until = request.headers['x-amz-object-lock-retain-until-date'];
  return { mode: request.headers['x-amz-object-lock-mode'] as string | undefined, until: typeof until === 'string' ? Date.parse(until) : undefined };
}

describe('S3 Object Lock', { timeout: 900_000 }, () => {
  it('preflight fails clearly when the bucket reports no Object Lock (s3rver: NotImplemented); nothing is written', async () => {
    mode.bucketLocked = false;
    try {
      const refused = await cli('--json', 'create', '--source', 'media', '--tenant', 'acme');
      expect(refused.exitCode).toBe(4);
      expect(refused.json.error.message).toContain('storage.locked.object-lock');
      expect(refused.json.error.message).toContain('cannot lock objects');
      expect(refused.json.error.message).toContain('NotImplemented');
      expect(proxy.seen.some((r) => r.method === 'PUT' && r.url.includes('/media/'))).toBe(false);
    } finally {
      mode.bucketLocked = true;
    }
  });

  it('writes archives (single put and multipart) and sidecars locked, everything else unlocked', async () => {
    const start = proxy.seen.length;
    const before = Date.now();
    for (const tenant of ['acme', 'bigcorp']) {
      const created = await cli('--json', 'create', '--source', 'media', '--tenant', tenant);
      expect(created.exitCode, created.stderr).toBe(0);
    }
    const after = Date.now();
    const requests = proxy.seen.slice(start);
    const writes = requests.filter((r) => (r.method === 'PUT' && !/[?&]partNumber=/.test(r.url)) || (r.method === 'POST' && /[?&]uploads/.test(r.url)));
    const archiveWrites = writes.filter((r) => /\/media\/(acme|bigcorp)\/[^/?]+\.(zip|manifest\.json)/.test(r.url));
    // acme: archive + sidecar as PutObject; bigcorp: CreateMultipartUpload + sidecar.
    expect(archiveWrites.map((r) => `${r.method} ${/\.(zip|manifest\.json)/.exec(r.url)![0]}`).sort()).toEqual(['POST .zip', 'PUT .manifest.json', 'PUT .manifest.json', 'PUT .zip'].sort());
    for (const write of archiveWrites) {
      const lock = lockOf(write);
      expect(lock.mode, write.url).toBe('GOVERNANCE');
      expect(lock.until!).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
      expect(lock.until!).toBeLessThanOrEqual(after + 30 * DAY + 1000);
    }
    // AWS refuses locked parts without a checksum: every part carries one.
    const parts = requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(part.headers['x-amz-checksum-crc32'], part.url).toBeTruthy();
    const others = writes.filter((r) => !archiveWrites.includes(r));
    expect(others.some((r) => r.url.includes('/_probe/'))).toBe(true);
    for (const other of others) expect(lockOf(other).mode, other.url).toBeUndefined();
  });

  it('prune reports an object whose delete the lock refuses (AccessDenied) as retained, not failed; removes it once allowed', async () => {
    const newer = await cli('--json', 'create', '--source', 'media', '--tenant', 'acme');
    expect(newer.exitCode, newer.stderr).toBe(0);
    mode.denyDeletes = true;
    let pruned;
    try {
      pruned = await cli('--json', 'prune', '--source', 'media', '--tenant', 'acme');
    } finally {
      mode.denyDeletes = false;
    }
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    const older = pruned.json.archives.find((a: { status: string }) => a.status !== 'kept');
    expect(older.status).toBe('retained');
    const until = Date.parse(older.lockedUntil);
    expect(until - Date.parse(older.time)).toBeGreaterThan(30 * DAY - 600_000);
    expect(until - Date.parse(older.time)).toBeLessThan(30 * DAY + 600_000);
    expect(pruned.json.summary).toMatchObject({ retained: 1, failed: 0 });

    const again = await cli('--json', 'prune', '--source', 'media', '--tenant', 'acme');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json.archives.find((a: { id: string }) => a.id === older.id).status).toBe('removed');
  });
});
