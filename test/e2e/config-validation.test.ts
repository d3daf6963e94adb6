/** Bad config and arguments stop at load with exit 2 and a message naming where: nothing runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { ROOT, runCli } from '../helpers/cli.js';
import { pgUrl } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';

const filesConfig = (dir: string) => ({
  version: 1,
  sources: { uploads: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } },
  storage: { local: { type: 'local', path: path.join(dir, 'backups') } },
});

describe('config validation through the binary', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.cleanup());

  it('reports a JSONC syntax error with file:line:column and exit 2, and keeps ",}" inside strings', async () => {
    const broken = path.join(tmp.dir, 'broken.json');
    await writeFile(broken, '{\n  "version": 1,\n  "sources": {} /* never closed\n  "storage": {}\n}\n');
    const out = await runCli(['-c', broken, 'list']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`error: ${broken}:3:17: syntax error: a /* comment is not closed with */`);
    expect(out.stderr).toContain('hint: fix line 3, column 17;');
    expect(out.stderr).not.toMatch(/\n\s+at /);

    // A storage path with ",}" in it: the old reader wrote to "backups}" instead.
    const store = path.join(tmp.dir, 'backups,}');
    const good = path.join(tmp.dir, 'good.json');
    const config = { ...filesConfig(tmp.dir), storage: { local: { type: 'local', path: store } } };
    await writeFile(good, `// comments and trailing commas\n${JSON.stringify(config, null, 2).replace(/\n}$/, ',\n}')}`);
    const created = await runCli(['-c', good, 'create', '--source', 'uploads']);
    expect(created.exitCode).toBe(0);
    expect(await readdir(store)).toContain('uploads');
  });

  it('reads .jsonc files (given or found), and refuses other kinds, never running a JavaScript config', async () => {
    const dir = await tempDir();
    try {
      const text = `// a comment\n${JSON.stringify(filesConfig(dir.dir))}`;
      await writeFile(path.join(dir.dir, 'backup.config.jsonc'), text);
      const found = await runCli(['list'], { cwd: dir.dir });
      expect(found.exitCode, found.stderr).toBe(0);
      const given = await runCli(['-c', path.join(dir.dir, 'backup.config.jsonc'), 'list']);
      expect(given.exitCode, given.stderr).toBe(0);

      const marker = path.join(dir.dir, 'ran');
      const js = path.join(dir.dir, 'orgbackup.config.js');
      await writeFile(js, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = ${JSON.stringify(filesConfig(dir.dir))};`);
      const refused = await runCli(['-c', js, 'list']);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain('a JavaScript or TypeScript config is not run');
      expect(await readdir(dir.dir)).not.toContain('ran');

      const toml = path.join(dir.dir, 'backup.toml');
      await writeFile(toml, 'version = 1\n');
      const other = await runCli(['-c', toml, 'list']);
      expect(other.exitCode).toBe(2);
      expect(other.stderr).toContain(`cannot read config ${toml}: orgbackup reads .json, .jsonc, .yaml and .yml config files`);
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses a key given twice (JSON and YAML) with exit 2, before a second "storage" silently replaces the first', async () => {
    const config = filesConfig(tmp.dir);
    const json = path.join(tmp.dir, 'twice.json');
    const text = JSON.stringify(config, null, 2).replace(/\n}$/, `,\n  "storage": ${JSON.stringify({ other: { type: 'local', path: path.join(tmp.dir, 'other') } })}\n}`);
    await writeFile(json, text);
    const line = text.split('\n').findIndex((l) => l.startsWith('  "storage": {"other"')) + 1;
    const out = await runCli(['-c', json, 'create']);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`error: ${json}:${line}:3: key "storage" is given twice; only one would count`);
    expect(out.stderr).toContain('hint: merge the two "storage" entries into one');

    const dir = await tempDir();
    try {
      const yaml = path.join(dir.dir, '.orgbackuprc.yaml');
      await writeFile(yaml, `version: 1\nstorage:\n  local: {type: local, path: ./a}\nstorage:\n  other: {type: local, path: ./b}\nsources: {}\n`);
      const res = await runCli(['-c', yaml, 'list']);
      expect(res.exitCode).toBe(2);
      expect(res.stderr).toContain(`error: cannot read config ${yaml}: YAML Error in ${yaml}: duplicated mapping key (4:1)`);
    } finally {
      await dir.cleanup();
    }
    expect(await readdir(tmp.dir)).not.toContain('backups');
  });

  it.each([
    [['list'], { cron: '99 * * * *' }, 'schedules.nightly.cron: "99 * * * *" is not a cron pattern: the minute field "99" must be 0-59'],
    [['create', '--dry-run'], { cron: 'every night' }, 'schedules.nightly.cron: "every night" is not a cron pattern'],
    [['prune', '--dry-run'], { cron: '0 2 * * *', timezone: 'Mars/Olympus' }, 'schedules.nightly.timezone: "Mars/Olympus" is not a time zone'],
    [['preflight'], { cron: '0 2 * * *', timezone: 'Mars/Olympus' }, 'schedules.nightly.timezone: "Mars/Olympus" is not a time zone'],
  ])('%j with schedule %j exits 2 at load, naming the key', async (args, schedule, message) => {
    const file = path.join(tmp.dir, `schedule-${args[0]}.json`);
    const config = { ...filesConfig(tmp.dir), schedules: { nightly: schedule } };
    await writeFile(file, JSON.stringify(config));
    const out = await runCli(['-c', file, ...args]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('invalid configuration');
    expect(out.stderr).toContain(message);
  });

  it.each([
    [['create', '--dry-run'], 'postgres', 'not a url', 'sources.app.url: the URL contains a space, tab or line break'],
    [['preflight'], 'postgres', 'postgres://postgres@127.0.0.1:99999/postgres', 'sources.app.url: the port must be a number from 1 to 65535'],
    [['create', '--dry-run'], 'postgres', 'mysql://root@127.0.0.1:3306/app', 'sources.app.url: a postgres source needs a postgres:// or postgresql:// URL, not mysql://'],
    [['list'], 'postgres', 'postgres://post gres@127.0.0.1/postgres', 'sources.app.url: the URL contains a space'],
    [['create', '--dry-run'], 'mysql', '${H3_TEST_DB_URL}', 'sources.app.url: the port must be a number from 1 to 65535'],
  ])('%j with a %s source at %j exits 2 at load, naming the key', async (args, type, url, message) => {
    const file = path.join(tmp.dir, `url-${args[0]}-${type}.json`);
    await writeFile(file, JSON.stringify({ ...filesConfig(tmp.dir), sources: { app: { type, url } } }));
    const out = await runCli(['-c', file, ...args], { env: { H3_TEST_DB_URL: 'mysql://root@127.0.0.1:70000/app' } });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(message);
  });

  it('a missing passwordFile stops create, its dry run and restore at load (exit 2) naming the key; preflight reports it; commands that need no password run', async () => {
    const file = path.join(tmp.dir, 'password-file.json');
    const missing = path.join(tmp.dir, 'no-such-secret');
    const source = { type: 'postgres', url: pgUrl('postgres'), passwordFile: missing };
    await writeFile(file, JSON.stringify({ ...filesConfig(tmp.dir), sources: { app: source } }));
    for (const args of [['create'], ['create', '--dry-run'], ['restore', 'latest', '--source', 'app', '--tenant', 'x', '--dry-run']]) {
      const out = await runCli(['-c', file, ...args]);
      expect(out.exitCode, args.join(' ')).toBe(2);
      expect(out.stderr).toContain(`sources.app.passwordFile: cannot read ${missing}: ENOENT`);
    }
    const preflight = await runCli(['-c', file, 'preflight']);
    expect(preflight.exitCode).toBe(4);
    expect(preflight.stdout).toContain(`sources.app.passwordFile: cannot read ${missing}: ENOENT`);
    expect((await runCli(['-c', file, 'list'])).exitCode).toBe(0);
    const secret = path.join(tmp.dir, 'a-directory-secret');
    await mkdir(secret);
    await writeFile(file, JSON.stringify({ ...filesConfig(tmp.dir), sources: { app: { ...source, passwordFile: secret } } }));
    const dir = await runCli(['-c', file, 'create', '--dry-run']);
    expect(dir.exitCode).toBe(2);
    expect(dir.stderr).toContain('EISDIR');
  });

  it.each([
    ['create', '1e9'],
    ['create', '65'],
    ['create', '0'],
    ['create', '2.5'],
    ['create', '0x10'],
    ['create', '-1'],
    ['restore', '1e9'],
    ['restore', '100'],
  ])("%s --jobs %s exits 2: the flag has the config's bounds (1-64)", async (command, jobs) => {
    const file = path.join(tmp.dir, 'jobs.json');
    await writeFile(file, JSON.stringify(filesConfig(tmp.dir)));
    const args = command === 'restore' ? ['restore', 'latest', '--source', 'uploads', '--tenant', 'acme', '--dry-run'] : ['create', '--dry-run'];
    const out = await runCli(['-c', file, ...args, `--jobs=${jobs}`]);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain(`argument '${jobs}' is invalid. expected a positive whole number, at most 64 (the limit of defaults.jobs in the config)`);
  });

  it('create --jobs 64 is accepted', async () => {
    const file = path.join(tmp.dir, 'jobs.json');
    await writeFile(file, JSON.stringify(filesConfig(tmp.dir)));
    const out = await runCli(['-c', file, 'create', '--dry-run', '--jobs', '64']);
    expect(out.exitCode).toBe(0);
  });
});
