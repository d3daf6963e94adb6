/** Bad config and arguments stop at load with exit 2 and a message naming where: nothing runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdir, writeFile } from 'node:fs/promises';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

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
    const sources = { uploads: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } };
    await writeFile(good, `// comments and trailing commas\n${JSON.stringify({ version: 1, sources, storage: { local: { type: 'local', path: store } } }, null, 2).replace(/\n}$/, ',\n}')}`);
    const created = await runCli(['-c', good, 'create', '--source', 'uploads']);
    expect(created.exitCode).toBe(0);
    expect(await readdir(store)).toContain('uploads');
  });
});
