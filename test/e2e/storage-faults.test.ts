/**
 * Remote storage faults through the built binary: the S3 server killed mid-upload, transient 503s,
 * how many times one part is retried, a permanent failure mid-upload, wrong credentials, and one of two storages failing.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { s3StorageSchema } from '../../src/config/schema.js';
import { S3Storage } from '../../src/storage/s3.js';
import { BIN, runCli } from '../helpers/cli.js';
import { rcloneTempFiles, startRclone } from '../helpers/rclone.js';
import { isUploadPart, startFaultProxy, type FaultProxy } from '../helpers/s3-fault-proxy.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> };
let files: string;
const MIB = 1024 * 1024;

beforeAll(async () => {
  tmp = await tempDir('orgbackup-e2e-faults-');
  files = path.join(tmp.dir, 'files');
  await mkdir(path.join(files, 'acme'), { recursive: true });
  // Incompressible, several 5 MiB parts, so every upload is multipart.
  await writeFile(path.join(files, 'acme', 'blob.bin'), randomBytes(24 * MIB));
});
afterAll(async () => {
  await tmp?.cleanup();
});

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function server(): Promise<S3rverHandle> {
  const s3 = await startS3rver();
  running.push(s3);
  return s3;
}

async function proxy(target: string, decide: Parameters<typeof startFaultProxy>[1]): Promise<FaultProxy> {
  const p = await startFaultProxy(target, decide);
  running.push(p);
  return p;
}

async function configFor(storage: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  return writeConfig(
    tmp.dir,
    {
      version: 1,
      sources: { media: { type: 'files', path: files, tenants: { mode: 'directory' } } },
      storage: { offsite: storage, local: { type: 'local', path: path.join(tmp.dir, `local-${randomBytes(3).toString('hex')}`) }, ...extra },
      defaults: { storage: ['offsite'], compression: 'none' },
    },
    `config-${randomBytes(3).toString('hex')}.json`,
  );
}

/** Lists with a separate driver instance, as a later run would. */
async function objectsIn(s3: S3rverHandle): Promise<string[]> {
  const storage = new S3Storage('check', s3StorageSchema.parse(s3StorageConfig(s3)));
  const keys: string[] = [];
  for await (const info of storage.list('')) keys.push(info.key);
  return keys;
}

describe('s3 faults', () => {
  it('S3 server killed mid-upload: create fails cleanly, nothing is listed, and the orphaned upload is cleaned up', async () => {
    const s3 = await server();
    const config = await configFor(s3StorageConfig(s3, { partSizeMiB: 5, queueSize: 1 }));
    const run = execa(process.execPath, [BIN, '-c', config, '--json', 'create'], { reject: false, env: { NO_COLOR: '1' } });
    // Wait until s3rver holds a multipart upload with at least one part on disk, then kill it.
    for (let i = 0; i < 600; i++) {
      const uploads = path.join(s3.dir, s3.bucket, '._S3rver_uploads');
      const ids = await readdir(uploads).catch(() => [] as string[]);
      const parts = ids.length ? await readdir(path.join(uploads, ids[0]!)).catch(() => [] as string[]) : [];
      if (parts.some((p) => p === '1')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await s3.kill();
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(1);
    const json = JSON.parse(String(result.stdout));
    expect(json.archives[0].status).toBe('failed');
    expect(json.archives[0].error).toMatch(/storage "offsite"/);
    expect(json.archives[0].hint).toMatch(/could not be aborted.*orgbackup prune/);

    await s3.restart();
    const listed = await runCli(['-c', config, '--json', 'list']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.json.archives).toEqual([]);
    expect(await objectsIn(s3)).toEqual([]);
    // The abort could not reach a dead server; the upload is there until cleanup removes it.
    expect(await s3.pendingUploads()).toHaveLength(1);
    const storage = new S3Storage('check', s3StorageSchema.parse(s3StorageConfig(s3)));
    expect(await storage.cleanupIncomplete(new Date(Date.now() + 60_000))).toBe(1);
    expect(await s3.pendingUploads()).toEqual([]);
  });

  it('a permanent failure mid-upload aborts the multipart upload at once: no parts are left', async () => {
    const s3 = await server();
    let parts = 0;
    const p = await proxy(s3.endpoint, (r) => (isUploadPart(r) && ++parts >= 3 ? { status: 403, code: 'AccessDenied' } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 1 }));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.json.archives[0].error).toMatch(/AccessDenied/);
    // Permanent: neither the SDK nor the replay tries again.
    expect(p.injected.length).toBe(1);
    expect(result.stderr).not.toMatch(/retrying/);
    expect(result.json.archives[0].hint ?? result.stderr).toMatch(/AccessDenied on PutObject: the policy needs s3:PutObject on arn:aws:s3:::backups\/\*/);
    expect(await s3.pendingUploads()).toEqual([]);
    expect(await objectsIn(s3)).toEqual([]);
  });

  it('503 for the first attempts: retried with backoff, the archive is stored and verifies', async () => {
    const s3 = await server();
    let puts = 0;
    const p = await proxy(s3.endpoint, (r) => (r.method === 'PUT' && ++puts <= 3 ? { status: 503, code: 'SlowDown' } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 2 }));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(p.injected.length).toBe(3);
    const verified = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect((verified.json.archives as { status: string }[]).map((a) => a.status)).toEqual(['ok']);
  });

  // What is retried (docs/storage.md): each request, each multipart part included, up to the SDK's
  // 5 attempts from the part it holds in memory; a part that runs out of them restarts the whole
  // upload from the spooled archive, up to 4 uploads in all.
  it.each([
    [4, 0, 0],
    [5, 0, 1],
    [20, 1, 3],
  ])('one part failing %i times in a row (500): exit %i after %i replays, no parts left', async (failures, code, replays) => {
    const s3 = await server();
    let faults = 0;
    const partTwo = (r: { url: string }) => /[?&]partNumber=2(&|$)/.test(r.url);
    const p = await proxy(s3.endpoint, (r) => (isUploadPart(r) && partTwo(r) && ++faults <= failures ? { status: 500, code: 'InternalError' } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 1 }));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(code);
    expect(p.injected.length).toBe(failures);
    expect(result.stderr.match(/retrying from the spooled archive/g) ?? []).toHaveLength(replays);
    expect(await s3.pendingUploads()).toEqual([]);
    if (code === 0) expect(await objectsIn(s3)).toHaveLength(2);
    else expect(result.json.archives[0].error).toMatch(/InternalError/);
  });

  it('the connection cut part-way through an upload more often than the SDK retries: replayed from the spool, stored once, verifies', async () => {
    const s3 = await server();
    let cuts = 0;
    const partTwo = (r: { url: string }) => /[?&]partNumber=2(&|$)/.test(r.url);
    const p = await proxy(s3.endpoint, (r) => (isUploadPart(r) && partTwo(r) && ++cuts <= 6 ? { cut: true } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 1 }));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(p.injected.length).toBe(6);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('retrying from the spooled archive'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/storage \\?"offsite\\?": uploading .* failed \(attempt 1 of 4\)/);
    expect(warnings[0]).not.toContain(String(s3StorageConfig(s3).secretAccessKey));
    expect(await s3.pendingUploads()).toEqual([]);
    const keys = await objectsIn(s3);
    expect(keys).toHaveLength(2);
    expect(keys.filter((k) => k.endsWith('.json'))).toHaveLength(1);
    const verified = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect((verified.json.archives as { status: string }[]).map((a) => a.status)).toEqual(['ok']);
  });

  // The server stored the object but its answer was lost (issue 22): every one of the SDK's
  // attempts at CompleteMultipartUpload loses its answer, so the upload is replayed from the spool
  // and meets the object it already stored. The same for the sidecar's PutObject.
  it('the answer to a completed upload is lost: the replay recognises its own object, stored once, verifies', async () => {
    const s3 = await server();
    let completes = 0;
    let sidecars = 0;
    const complete = (r: { method: string; url: string }) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
    const sidecar = (r: { method: string; url: string }) => r.method === 'PUT' && /\.json(\?|$)/.test(r.url) && !r.url.includes('_probe');
    const p = await proxy(s3.endpoint, (r) => ((complete(r) && ++completes <= 5) || (sidecar(r) && ++sidecars <= 5) ? { drop: true } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 1 }));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(p.injected.length).toBe(10);
    expect(result.stderr.match(/retrying from the spooled archive/g) ?? []).toHaveLength(1);
    const keys = await objectsIn(s3);
    expect(keys).toHaveLength(2);
    const verified = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect((verified.json.archives as { status: string }[]).map((a) => a.status)).toEqual(['ok']);
  });

  it('a replay that meets another object under its key still fails: archives are never overwritten', async () => {
    const s3 = await server();
    let completes = 0;
    const complete = (r: { method: string; url: string }) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
    const other = new S3Storage('other', s3StorageSchema.parse(s3StorageConfig(s3)));
    // The first attempt's answer is lost, and before it is, another writer replaces what it stored.
    let archiveKey = '';
    const replace = async () => {
      archiveKey = (await objectsIn(s3)).find((k) => k.endsWith('.zip'))!;
      await other.delete(archiveKey);
      await other.put(archiveKey, Buffer.from('someone else'));
    };
    const p = await proxy(s3.endpoint, (r) => (complete(r) && ++completes <= 5 ? { drop: true, ...(completes === 1 ? { then: replace } : {}) } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 1 }));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.json.archives[0].error).toMatch(/already exists/);
    expect((await other.getBuffer(archiveKey)).toString()).toBe('someone else');
  });

  // s3rver checks access key ids but does not verify SigV4 signatures, so a wrong secret alone
  // would pass here (AWS answers SignatureDoesNotMatch, which has its own hint): both are wrong.
  it('wrong credentials: preflight fails with exit 4, a clear message and hint, and no secret in the output', async () => {
    const s3 = await server();
    const secret = 'not-the-right-secret-3f9a';
    const config = await configFor(s3StorageConfig(s3, { accessKeyId: 'AKIAWRONGKEY', secretAccessKey: secret }));
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode).toBe(4);
    expect(created.stderr).toMatch(/storage\.offsite\.reachable/);
    expect(created.stderr).toMatch(/InvalidAccessKeyId/);
    const preflight = await runCli(['-c', config, '--json', 'preflight', '--storage', 'offsite']);
    expect(preflight.exitCode).toBe(4);
    const checks = preflight.json.checks as { id: string; status: string; hint?: string }[];
    const check = checks.find((c) => c.id === 'storage.offsite.reachable')!;
    expect(check.status).toBe('fail');
    expect(check.hint).toMatch(/access key id is not known/);
    expect(created.stdout + created.stderr + preflight.stdout + preflight.stderr).not.toContain(secret);
    expect(await objectsIn(s3)).toEqual([]);
  });

  it('a second storage that fails while the first succeeds: exit 3, and the first keeps a complete archive', async () => {
    const s3 = await server();
    const p = await proxy(s3.endpoint, (r) => (isUploadPart(r) ? { status: 500, code: 'InternalError' } : undefined));
    const config = await configFor(s3StorageConfig(s3, { endpoint: p.endpoint, partSizeMiB: 5, queueSize: 1 }));
    const result = await runCli(['-c', config, '--json', 'create', '--storage', 'local', '--storage', 'offsite']);
    expect(result.exitCode, result.stderr).toBe(3);
    const archive = (result.json.archives as { id: string; status: string; storages: unknown[] }[])[0]!;
    expect(archive.status).toBe('partial');
    expect(archive.storages).toEqual([{ name: 'local', status: 'ok' }, expect.objectContaining({ name: 'offsite', status: 'failed' })]);
    const local = await runCli(['-c', config, '--json', 'verify', archive.id, '--storage', 'local']);
    expect(local.exitCode, local.stderr).toBe(0);
    expect(await objectsIn(s3)).toEqual([]);
    expect(await s3.pendingUploads()).toEqual([]);
  });
});

describe('rclone faults', () => {
  /** The fixture's `rclone serve webdav`, reached through a fault proxy as the remote `flaky:`. */
  async function flakyDav(decide: Parameters<typeof startFaultProxy>[1]): Promise<{ config: string; davDir: string; proxy: FaultProxy }> {
    const rc = await startRclone();
    running.push(rc);
    const davUrl = /url = (\S+)/.exec(await readFile(rc.configFile, 'utf8'))![1]!;
    const p = await proxy(davUrl.replace(/\/$/, ''), decide);
    const rcloneConfig = path.join(tmp.dir, `flaky-${randomBytes(3).toString('hex')}.conf`);
    await writeFile(rcloneConfig, `[flaky]\ntype = webdav\nurl = ${p.endpoint}/\nvendor = other\n`, { mode: 0o600 });
    const config = await configFor({ type: 'rclone', remote: 'flaky:backups', configFile: rcloneConfig });
    return { config, davDir: rc.davDir, proxy: p };
  }
  // The archive's rcat (not preflight's probe, which is a Buffer put and retried anyway).
  const tempUpload = (r: { method: string; url: string }) => r.method === 'PUT' && r.url.includes('.tmp-') && !r.url.includes('_probe');

  it('the connection cut part-way through `rclone rcat`: replayed from the spool, stored once, verifies', async () => {
    let cuts = 0;
    const { config, davDir, proxy: p } = await flakyDav((r) => (tempUpload(r) && ++cuts <= 11 ? { cut: true } : undefined));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(p.injected.length, result.stderr).toBe(11);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('retrying from the spooled archive'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/storage \\?"offsite\\?": uploading .* failed \(attempt 1 of 4\)/);
    const stored = await readdir(path.join(davDir, 'backups'), { recursive: true, withFileTypes: true });
    const files = stored.filter((e) => e.isFile()).map((e) => e.name);
    expect(files).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(await rcloneTempFiles(davDir)).toBe(0);
    const verified = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect((verified.json.archives as { status: string }[]).map((a) => a.status)).toEqual(['ok']);
  });

  // The webdav server moved the temp object to its final name but the answer was lost (issue 22):
  // every MOVE of the archive loses its answer, rclone gives up, and the replay meets the object.
  it('the answer to the final MOVE is lost: the replay recognises its own object, stored once, verifies', async () => {
    let drops = 0;
    const move = (r: { method: string; url: string }) => r.method === 'MOVE' && r.url.includes('.zip') && !r.url.includes('_probe');
    const { config, davDir, proxy: p } = await flakyDav((r) => (move(r) && ++drops <= 20 ? { drop: true } : undefined));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(p.injected.length, result.stderr).toBeGreaterThan(0);
    expect(result.stderr.match(/retrying from the spooled archive/g) ?? []).toHaveLength(1);
    const stored = await readdir(path.join(davDir, 'backups'), { recursive: true, withFileTypes: true });
    expect(stored.filter((e) => e.isFile()).map((e) => e.name)).toHaveLength(2);
    expect(await rcloneTempFiles(davDir)).toBe(0);
    const verified = await runCli(['-c', config, '--json', 'verify', '--all']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect((verified.json.archives as { status: string }[]).map((a) => a.status)).toEqual(['ok']);
  });

  it('a permanent rclone failure (403 on the upload) is not retried', async () => {
    const { config, davDir, proxy: p } = await flakyDav((r) => (tempUpload(r) ? { status: 403, code: 'Forbidden' } : undefined));
    const result = await runCli(['-c', config, '--json', 'create']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.json.archives[0].error).toMatch(/storage "offsite".*rclone rcat failed/);
    expect(result.stderr).not.toMatch(/retrying/);
    expect(p.injected.length).toBe(1);
    expect(await rcloneTempFiles(davDir)).toBe(0);
  });

  it('an unknown remote fails preflight with exit 4, naming the remote and how to define it', async () => {
    const rcloneConfig = path.join(tmp.dir, 'empty-rclone.conf');
    await writeFile(rcloneConfig, '', { mode: 0o600 });
    const config = await configFor({ type: 'rclone', remote: 'gdrive:acme-backups', configFile: rcloneConfig });
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode).toBe(4);
    expect(created.stderr).toMatch(/storage\.offsite\.reachable/);
    expect(created.stderr).toMatch(/rclone does not know the remote \\"gdrive\\"|rclone does not know the remote "gdrive"/);
    expect(created.stderr).toMatch(/rclone config/);
  });
});
