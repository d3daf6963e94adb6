/** What every user meets first: exit codes for bad input, --json as one document, NDJSON logs, help, no ANSI off a TTY. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';

const filesConfig = (dir: string) => ({
  version: 1,
  sources: { uploads: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } },
  storage: { local: { type: 'local', path: path.join(dir, 'backups') } },
});

describe('CLI basics', () => {
  let dir: string;
  let config: string;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
    dir = tmp.dir;
    config = await writeConfig(dir, filesConfig(dir));
  });
  afterAll(() => tmp.cleanup());

  it('prints its version and help with an EXIT STATUS section for each command', async () => {
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version);
    for (const command of ['create', 'list', 'restore', 'verify', 'prune', 'schedule-run', 'preflight', 'init']) {
      const help = await runCli(['help', command]);
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain('EXIT STATUS');
      expect(help.stdout).toContain('75   busy');
    }
  });

  it.each([
    [['frobnicate'], /unknown command/],
    [['create', '--jobs', 'zero'], /expected a positive whole number/],
    [['restore'], /restore needs an archive id, "latest" or a file/],
    [['get'], /missing required argument/],
  ])('bad usage %j exits 2', async (args, message) => {
    const out = await runCli(['-c', config, ...args]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it.each([
    [['create', '--source', 'nope'], /unknown source "nope"/],
    [['create', '--storage', 'nope'], /unknown storage "nope"/],
    [['create', '--source', 'uploads', '--tenant', 'no-such-tenant'], /unknown tenant "no-such-tenant"/],
    [['restore', 'uploads/acme/2026-01-01T00-00-00.000Z', '--yes'], /does not exist/],
    [['restore', 'not-an-id', '--yes'], /is not an archive id/],
    [['list', '--stale', 'soon'], /is not a duration/],
    [['list', '--stale', '0s'], /--stale: "0s" would call every tenant stale/],
    // An option given no value must not swallow the next flag (a real restore instead of a dry run).
    [['restore', 'uploads/acme/2026-01-01T00-00-00.000Z', '--as', '--dry-run'], /--as took "--dry-run" as its value/],
    [['create', '--source', '--dry-run'], /--source took "--dry-run" as its value/],
    [['restore', 'latest', '--source', 'uploads', '--tenant', '--yes'], /--tenant took "--yes" as its value/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const out = await runCli(['-c', config, ...args]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing config and every problem of a bad one at once (exit 2)', async () => {
    const empty = await tempDir();
    const missing = await runCli(['create'], { cwd: empty.dir, env: { ORGBACKUP_CONFIG: '' } });
    await empty.cleanup();
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no configuration found/);
    const none = await runCli(['-c', path.join(dir, 'nope.json'), 'list']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/does not exist/);
    const bad = await writeConfig(dir, { version: 1, sources: { a: { type: 'files' } }, storage: { s: { type: 'local', path: '${NOT_SET_VAR}' } }, defaults: { storage: ['x'] } }, 'bad.json');
    const out = await runCli(['-c', bad, 'list']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('sources.a.path:');
    expect(out.stderr).toContain('storage.s.path: environment variable NOT_SET_VAR is not set');
  });

  it('with --json prints exactly one JSON document on stdout and NDJSON logs on stderr', async () => {
    const created = await runCli(['-c', config, '--json', 'create']);
    expect(created.exitCode).toBe(0);
    expect(created.json).toMatchObject({ command: 'create', ok: true, exitCode: 0 });
    expect(created.json.archives).toHaveLength(3);
    const lines = created.stderr.trim().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) });
    const failed = await runCli(['-c', config, '--json', 'create', '--source', 'nope']);
    expect(failed.exitCode).toBe(2);
    expect(failed.json).toMatchObject({ ok: false, exitCode: 2, error: { message: expect.stringContaining('unknown source') } });
  });

  it('prints no ANSI escapes when not on a terminal, and no progress bars', async () => {
    const out = await runCli(['-c', config, 'create'], { env: { NO_COLOR: '', FORCE_COLOR: '' } });
    expect(out.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(out.stdout + out.stderr).not.toMatch(/\x1b\[/);
  });

  it('writes a commented starter config with init that validates, and never overwrites it', async () => {
    const file = path.join(dir, 'starter.json');
    expect((await runCli(['init', '--path', file])).exitCode).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^\s*\/\//m);
    const again = await runCli(['init', '--path', file]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const dry = await runCli(['-c', file, 'create', '--dry-run', '--source', 'media'], { env: { ORGBACKUP_DB_PASSWORD_FILE: '/dev/null' } });
    expect(dry.stderr).not.toMatch(/invalid configuration/);
  });
});
