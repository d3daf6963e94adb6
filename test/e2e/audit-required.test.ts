/**
 * audit.required through the built binary: when the audit trail cannot be written, an audited
 * command refuses to start (exit 4, a preflight-style error naming the storage and audit.required)
 * and creates no archive, instead of doing its work and reporting the hole afterwards. Two ways the
 * trail is unwritable while archives could be stored: a file where `_audit/` belongs, and (as the
 * unprivileged uid 1001) an `_audit/` directory the user may not write.
 */
import { chmod, chown, cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestUser, isRoot, openTempDir, runCliAs, TEST_GID, TEST_UID } from '../helpers/as-user.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { writeConfig } from '../helpers/tmp.js';

let base: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  base = await openTempDir('orgbackup-audit-req-');
  await cp(path.join(ROOT, 'examples/tenants'), path.join(base.dir, 'tenants'), { recursive: true });
});
afterAll(async () => base?.cleanup());

async function configFor(name: string, storage: string, audit: Record<string, unknown>): Promise<string> {
  const file = await writeConfig(
    base.dir,
    { version: 1, sources: { media: { type: 'files', path: path.join(base.dir, 'tenants'), tenants: { mode: 'directory' } } }, storage: { vault: { type: 'local', path: storage } }, audit },
    `${name}.json`,
  );
  await chmod(file, 0o644);
  return file;
}

/** Everything in the storage directory except the `_audit` entry itself. */
async function archiveFiles(storage: string): Promise<string[]> {
  const all = (await readdir(storage, { recursive: true })).map(String);
  return all.filter((f) => !f.startsWith('_audit'));
}

describe('audit.required', () => {
  it('a file where _audit/ belongs: create and verify refuse to start with exit 4 and create no archive', async () => {
    const storage = path.join(base.dir, 'holed');
    await mkdir(storage, { recursive: true });
    await writeFile(path.join(storage, '_audit'), 'not a directory');
    const file = await configFor('holed', storage, { enabled: true, required: true });
    const created = await runCli(['-c', file, '--json', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(created.exitCode).toBe(4);
    expect(created.json.error.message).toMatch(/^the audit trail cannot be written to storage "vault" \(audit\.required is true\), so create did not start: /);
    expect(created.json.error.hint).toContain('audit.required to false');
    // No "hole" afterwards: nothing was done, so nothing went unrecorded.
    expect(created.stderr).not.toContain('the audit trail has a hole');
    expect(await archiveFiles(storage)).toEqual([]);
    expect((await runCli(['-c', file, '--json', 'list'])).json.archives).toEqual([]);
    const verified = await runCli(['-c', file, 'verify']);
    expect(verified.exitCode).toBe(4);
    expect(verified.stderr).toContain('so verify did not start');

    // The same storage without audit.required: the work is done and the hole reported (exit 1).
    const lenient = await configFor('lenient', storage, { enabled: true });
    const done = await runCli(['-c', lenient, '--json', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(done.exitCode).toBe(1);
    expect(done.json.archives[0].status).toBe('ok');
  });

  it('a writable trail: required changes nothing, and the probe leaves no object behind', async () => {
    const storage = path.join(base.dir, 'fine');
    const file = await configFor('fine', storage, { enabled: true, required: true });
    const created = await runCli(['-c', file, '--json', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(created.exitCode, created.stderr).toBe(0);
    const audit = (await readdir(path.join(storage, '_audit'), { recursive: true })).map(String).filter((f) => /\.\w+$/.test(f));
    expect(audit).toEqual([expect.stringMatching(/\.ndjson$/)]);
    expect((await runCli(['-c', file, 'audit', 'verify'])).exitCode).toBe(0);
  });
});

describe.skipIf(!isRoot)('audit.required as uid 1001 (needs root to switch user; skipped otherwise)', () => {
  it('an _audit/ directory the user may not write: exit 4 before any work, no archive', async () => {
    await ensureTestUser();
    const storage = path.join(base.dir, 'readonly-audit');
    await mkdir(path.join(storage, '_audit'), { recursive: true, mode: 0o755 });
    await chown(storage, TEST_UID, TEST_GID);
    // _audit stays root's, 0755: uid 1001 may list and read it, not write in it.
    const file = await configFor('readonly', storage, { enabled: true, required: true });
    const created = await runCliAs(['-c', file, '--json', 'create', '--source', 'media'], { uid: TEST_UID, gid: TEST_GID });
    expect(created.exitCode, created.stderr).toBe(4);
    expect((created.json as { error: { message: string } }).error.message).toMatch(
      /cannot be written to storage "vault" \(audit\.required is true\), so create did not start: .*(EACCES|permission denied)/i,
    );
    expect(await archiveFiles(storage)).toEqual([]);
    expect(await readdir(path.join(storage, '_audit'))).toEqual([]);
  });
});
