/**
 * The audit trail through the built binary on local storage and S3 (s3rver): each audited command
 * leaves one record per tenant in one object per run under _audit/ of the default storage; `audit`
 * filters it newest first; `audit verify` catches an edited, removed or reordered record and a
 * missing seal (exit 5, naming object and line); list and prune never take audit objects for
 * archives; a run that cannot write its record still does its work and exits 1.
 */
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from '../helpers/s3rver.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> };
let s3: S3rverHandle;
let config: string;
let s3Config: string;
let disk: string;

beforeAll(async () => {
  [tmp, s3] = await Promise.all([tempDir('orgbackup-e2e-audit-'), startS3rver()]);
  const tenantsDir = path.join(tmp.dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenantsDir, { recursive: true });
  disk = path.join(tmp.dir, 'disk');
  const sources = { media: { type: 'files', path: tenantsDir, tenants: { mode: 'directory' } } };
  config = await writeConfig(tmp.dir, { version: 1, sources, storage: { disk: { type: 'local', path: disk } }, retention: { keepLast: 1 }, audit: { enabled: true } });
  s3Config = await writeConfig(tmp.dir, { version: 1, sources, storage: { offsite: s3StorageConfig(s3, { prefix: 'audit' }) }, audit: { enabled: true } }, 's3.config.json');
});

afterAll(async () => {
  await Promise.all([tmp?.cleanup(), s3?.stop()]);
});

const cli = (args: string[], env: Record<string, string> = {}, file = config) => runCli(['-c', file, '--no-progress', ...args], { env });

async function auditObjects(): Promise<string[]> {
  const root = path.join(disk, '_audit');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ndjson'));
  return files.map((f) => path.join(root, f)).sort();
}

async function trail(...filters: string[]): Promise<any[]> {
  const result = await cli(['--json', 'audit', ...filters]);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.json.records;
}

describe('audit trail', () => {
  it('records one entry per tenant for each audited command, one object per run, with who ran it', async () => {
    const created = await cli(['--json', '--actor', 'alice@app', 'create', '--source', 'media', '--tenant', 'acme']);
    expect(created.exitCode, created.stderr).toBe(0);
    const id = created.json.archives[0].id as string;
    const second = await cli(['--json', 'create', '--source', 'media', '--tenant', 'acme'], { ORGBACKUP_ACTOR: 'bob' });
    expect(second.exitCode, second.stderr).toBe(0);
    const verified = await cli(['--json', '-v', 'verify', id]);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stderr).toContain('"level":"debug","msg":"audit ');
    expect((await cli(['--json', 'get', id, '-o', path.join(tmp.dir, 'got.zip')])).exitCode).toBe(0);
    expect((await cli(['--json', 'delete', id, '--yes'])).exitCode).toBe(0);
    expect((await auditObjects()).length).toBe(5);

    const records = await trail('--tenant', 'acme');
    expect(records.map((r) => r.action)).toEqual(['delete', 'get', 'verify', 'create', 'create']);
    expect(records[4]).toMatchObject({ action: 'create', source: 'media', tenant: 'acme', archives: [id], outcome: 'ok', exitCode: 0, who: { actor: 'alice@app' } });
    expect(records[4].bytes).toBeGreaterThan(0);
    expect(records[3].who.actor).toBe('bob');
    expect(records[0]).toMatchObject({ action: 'delete', archives: [id], storages: ['disk'] });
    expect(typeof records[0].who.user).toBe('string');
    expect(typeof records[0].who.uid).toBe('number');
    expect(await trail('--action', 'verify')).toHaveLength(1);
    expect(await trail('--action', 'verify', '--since', '1h')).toHaveLength(1);
    expect(await trail('--tenant', 'nobody')).toHaveLength(0);
  });

  it('a failed command is recorded with its exit code, whether it returned a result or threw', async () => {
    const [archive] = (await cli(['--json', 'list', '--tenant', 'acme'])).json.archives;
    const file = path.join(disk, `${archive.id}.zip`);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(file, bytes);
    const verified = await cli(['--json', 'verify', archive.id]);
    expect(verified.exitCode).toBe(5);
    expect((await trail('--action', 'verify'))[0]).toMatchObject({ tenant: 'acme', archives: [archive.id], outcome: 'failed', exitCode: 5 });
    const got = await cli(['--json', 'get', archive.id, '-o', path.join(tmp.dir, 'bad.zip')]);
    expect(got.exitCode).toBe(5);
    expect((await trail('--action', 'get'))[0]).toMatchObject({ source: 'media', tenant: 'acme', archives: [archive.id], outcome: 'failed', exitCode: 5 });
  });

  it('list, prune and forget never take audit objects for archives', async () => {
    for (let i = 0; i < 2; i++) expect((await cli(['create', '--source', 'media', '--tenant', 'globex'])).exitCode).toBe(0);
    const before = (await auditObjects()).length;
    const listed = await cli(['--json', 'list']);
    expect(listed.json.archives.every((a: { id: string }) => !a.id.startsWith('_audit'))).toBe(true);
    const pruned = await cli(['--json', 'prune']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.json.archives.every((a: { id: string }) => a.id.startsWith('media/'))).toBe(true);
    expect(pruned.json.orphans).toEqual([]);
    expect(pruned.json.summary.removed).toBe(1);
    const forgot = await cli(['--json', 'forget', '--source', 'media', '--tenant', 'globex', '--all', '--yes']);
    expect(forgot.exitCode, forgot.stderr).toBe(0);
    expect(forgot.json.archives.every((a: { id: string }) => a.id.startsWith('media/globex/'))).toBe(true);
    // The two creates were before `before`; prune and forget each added one object, none was removed.
    expect((await auditObjects()).length).toBe(before + 2);
    const [forget] = await trail('--action', 'forget');
    expect(forget).toMatchObject({ tenant: 'globex', archives: forgot.json.archives.map((a: { id: string }) => a.id) });
    expect((await trail('--action', 'prune'))[0]).toMatchObject({ tenant: 'globex', archives: [expect.stringMatching(/^media\/globex\//)] });
  });

  it('audit verify passes an intact trail and names the object and line of each kind of tampering', async () => {
    const intact = await cli(['--json', 'audit', 'verify']);
    expect(intact.exitCode, intact.stderr).toBe(0);
    expect(intact.json.objects.every((o: { status: string }) => o.status === 'ok')).toBe(true);

    // A run with two records (two tenants), tampered four ways in four copies.
    expect((await cli(['create', '--source', 'media'])).exitCode).toBe(0);
    const objects = await auditObjects();
    const lines = (await readFile(objects.at(-1)!, 'utf8')).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const dir = path.join(disk, '_audit', '2099', '12', '31');
    await mkdir(dir, { recursive: true });
    const edited = lines.map((l, i) => (i === 0 ? l.replace('"outcome":"ok"', '"outcome":"failed"') : l));
    const cases: [string, string[], number, RegExp][] = [
      ['edited', edited, 2, /line 1 was edited/],
      ['removed', [lines[0]!, ...lines.slice(2)], 2, /removed/],
      ['reordered', [lines[1]!, lines[0]!, ...lines.slice(2)], 1, /removed|reordered/],
      ['unsealed', lines.slice(0, -1), lines.length - 1, /no seal/],
    ];
    for (const [name, tampered, line, message] of cases) {
      await writeFile(path.join(dir, `2099-12-31T00-00-00.000Z-${name}-1.ndjson`), tampered.join('\n') + '\n');
      const result = await cli(['--json', 'audit', 'verify']);
      expect(result.exitCode, name).toBe(5);
      const bad = result.json.objects.filter((o: { status: string }) => o.status === 'tampered');
      expect(bad, name).toHaveLength(1);
      expect(bad[0].key).toBe(`_audit/2099/12/31/2099-12-31T00-00-00.000Z-${name}-1.ndjson`);
      expect(bad[0].line, name).toBe(line);
      expect(bad[0].error, name).toMatch(message);
      const text = await cli(['audit', 'verify']);
      expect(text.stderr).toContain(`${bad[0].key} in storage "disk", line ${line}`);
      expect(text.stdout).toContain(`TAMPERED ${bad[0].key} line ${line}`);
      await rm(path.join(dir, `2099-12-31T00-00-00.000Z-${name}-1.ndjson`));
    }
    expect((await cli(['audit', 'verify'])).exitCode).toBe(0);
  });

  it('runs are chained: a removed or rewritten run object is caught through the run after it', async () => {
    for (let i = 0; i < 3; i++) expect((await cli(['verify', '--source', 'media', '--tenant', 'acme'])).exitCode).toBe(0);
    const objects = await auditObjects();
    const [a, b, c] = objects.slice(-3) as [string, string, string];
    const key = (file: string) => path.relative(disk, file).split(path.sep).join('/');
    const first = (text: string) => JSON.parse(text.split('\n')[0]!);
    expect(first(await readFile(c, 'utf8')).after).toMatchObject({ key: key(b) });
    const intact = await cli(['--json', 'audit', 'verify']);
    expect(intact.exitCode, intact.stderr).toBe(0);
    expect(intact.json.heads).toEqual([key(c)]);

    const saved = await readFile(b, 'utf8');
    await rm(b);
    const removed = await cli(['--json', 'audit', 'verify']);
    expect(removed.exitCode).toBe(5);
    expect(removed.json.objects.filter((o: { status: string }) => o.status === 'tampered')).toEqual([
      expect.objectContaining({ key: key(c), line: 1, error: expect.stringMatching(`follows ${key(b)}, which is missing`) }),
    ]);

    // b rewritten as a consistent chain of its own (outcome changed, seq/prev/seal recomputed).
    const records = saved
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const { buildChain } = await import('../../src/audit/chain.js');
    const { type: _t, seq: _s, prev: _p, time, exitCode, who, after, ...entry } = records[0];
    await writeFile(b, buildChain([{ ...entry, outcome: 'failed' }], exitCode, who, new Date(time), after));
    const rewritten = await cli(['--json', 'audit', 'verify']);
    expect(rewritten.exitCode).toBe(5);
    expect(rewritten.json.objects.find((o: { key: string }) => o.key === key(c)).error).toMatch(/altered or rewritten/);
    await writeFile(b, saved);
    expect((await cli(['audit', 'verify'])).exitCode).toBe(0);
    expect(first(await readFile(a, 'utf8')).after).not.toBeUndefined();
  });

  it('works the same on S3', async () => {
    const created = await cli(['--json', 'create', '--source', 'media', '--tenant', 'acme'], {}, s3Config);
    expect(created.exitCode, created.stderr).toBe(0);
    const audit = await cli(['--json', 'audit'], {}, s3Config);
    expect(audit.json.records).toHaveLength(1);
    expect(audit.json.records[0]).toMatchObject({ action: 'create', tenant: 'acme', object: expect.stringMatching(/^_audit\/\d{4}\/\d{2}\/\d{2}\/.+\.ndjson$/) });
    expect((await cli(['--json', 'list'], {}, s3Config)).json.archives).toHaveLength(1);
    expect((await cli(['verify', '--source', 'media'], {}, s3Config)).exitCode).toBe(0);
    const verified = await cli(['--json', 'audit', 'verify'], {}, s3Config);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.json.objects).toHaveLength(2);
    // The second run follows the first: one head, the newest object.
    expect(verified.json.heads).toEqual([verified.json.objects[1].key]);
  });

  it('a run that cannot write its record does its work, then exits 1 saying the trail has a hole', async () => {
    const holed = path.join(tmp.dir, 'holed');
    await mkdir(holed, { recursive: true });
    // A file where the _audit directory belongs: every audit put fails, archive puts do not.
    await writeFile(path.join(holed, '_audit'), 'not a directory');
    const file = await writeConfig(
      tmp.dir,
      {
        version: 1,
        sources: { media: { type: 'files', path: path.join(tmp.dir, 'tenants'), tenants: { mode: 'directory' } } },
        storage: { holed: { type: 'local', path: holed } },
        audit: { enabled: true },
      },
      'holed.config.json',
    );
    const created = await cli(['--json', 'create', '--source', 'media', '--tenant', 'acme'], {}, file);
    expect(created.exitCode).toBe(1);
    expect(created.json).toMatchObject({ command: 'create', ok: false, exitCode: 1 });
    expect(created.json.archives[0].status).toBe('ok');
    expect(created.stderr).toContain('the audit trail has a hole');
    expect((await cli(['--json', 'list'], {}, file)).json.archives).toHaveLength(1);
  });
});

describe('audit trail off (the default)', () => {
  it('writes nothing under _audit/ when the config does not enable it', async () => {
    const off = path.join(tmp.dir, 'off');
    const file = await writeConfig(
      tmp.dir,
      { version: 1, sources: { media: { type: 'files', path: path.join(tmp.dir, 'tenants'), tenants: { mode: 'directory' } } }, storage: { off: { type: 'local', path: off } } },
      'off.config.json',
    );
    const created = await cli(['--json', 'create'], {}, file);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(await readdir(off)).not.toContain('_audit');
  });
});
