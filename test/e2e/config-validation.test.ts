/** Bad config and arguments stop at load with exit 2 and a message naming where: nothing runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdir, writeFile } from 'node:fs/promises';
import { ROOT, runCli } from '../helpers/cli.js';
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
});

