/**
 * The package as a user gets it: `npm pack`, the tarball installed into an empty prefix, and the
 * installed binary run on the bundled example. Proves that `files` in package.json ships what the
 * binary needs (dist, the JSON Schema `init` points at, the example) and nothing relies on the checkout.
 */
import { execa } from 'execa';
import { access, cp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const packageJson = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('the packed package, installed into an empty prefix', () => {
  let work: { dir: string; cleanup(): Promise<void> };
  let prefix: string;
  let installed: string;
  let bin: string;

  beforeAll(async () => {
    work = await tempDir('orgbackup-pack-');
    prefix = path.join(work.dir, 'prefix');
    const packed = await execa('npm', ['pack', '--silent', '--pack-destination', work.dir], { cwd: ROOT });
    const tarball = path.join(work.dir, packed.stdout.trim().split('\n').pop()!);
    // --prefer-offline: the dependencies are in npm's cache from the checkout's own install.
    await execa('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: work.dir });
    installed = path.join(prefix, 'lib/node_modules/orgbackup');
    bin = path.join(prefix, 'bin/orgbackup');
  }, 240_000);

  afterAll(async () => {
    await work?.cleanup();
  });

  const run = (args: string[], cwd: string) => execa(bin, args, { cwd, reject: false, env: { NO_COLOR: '1', ORGBACKUP_DB_PASSWORD_FILE: '/dev/null' } });

  it('prints its version', async () => {
    const out = await run(['--version'], work.dir);
    expect(out.exitCode).toBe(0);
    expect(out.stdout.trim()).toBe(packageJson.version);
  });

  it('writes a starter config whose $schema resolves to the installed schema', async () => {
    const project = path.join(work.dir, 'project');
    await cp(path.join(installed, 'examples/tenants'), path.join(project, 'storage/tenants'), { recursive: true });
    const out = await run(['init'], project);
    expect(out.exitCode).toBe(0);
    const text = await readFile(path.join(project, 'backup.config.json'), 'utf8');
    const ref = /"\$schema": "([^"]+)"/.exec(text)?.[1];
    expect(ref).toBeDefined();
    const schemaFile = path.resolve(project, ref!);
    expect(schemaFile).toBe(path.join(installed, 'schema/orgbackup.schema.json'));
    expect(JSON.parse(await readFile(schemaFile, 'utf8')).title).toMatch(/orgbackup configuration/);
    const dry = await run(['create', '--dry-run', '--source', 'media'], project);
    expect(dry.stderr).not.toMatch(/invalid configuration/);
    expect(dry.exitCode).toBe(0);
  });

  it('backs up and verifies the bundled example it ships', async () => {
    const example = path.join(work.dir, 'example');
    await cp(path.join(installed, 'examples/tenants'), path.join(example, 'examples/tenants'), { recursive: true });
    await cp(path.join(installed, 'backup.config.example.json'), path.join(example, 'backup.config.json'));
    const created = await run(['create', '--json'], example);
    expect(created.exitCode, created.stderr).toBe(0);
    const archives = (await readdir(path.join(example, 'backups'), { recursive: true })).filter((f) => String(f).endsWith('.zip'));
    expect(archives.length).toBe(3);
    const verified = await run(['verify', '--all'], example);
    expect(verified.exitCode, verified.stderr).toBe(0);
    await expect(access(path.join(installed, 'dist/cli/main.js'))).resolves.toBeUndefined();
  });
});
