/** The files engine against the source conformance suite: one subdirectory per tenant (mode directory). It runs no native tool (SIGTERM is sent while the dump is held at a test-hook point) and has no credentials. */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.js';
import { sourceConformance } from './suite.js';

async function digestOf(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  for (const name of names.sort()) hash.update(`${name}\0`).update(await readFile(path.join(dir, name)));
  return hash.digest('hex');
}

sourceConformance({
  engine: 'files',
  dumpPause: 'files-entry',
  async make() {
    const tmp = await tempDir();
    const root = path.join(tmp.dir, 'tenants');
    const scratch = path.join(tmp.dir, 'scratch');
    await mkdir(scratch);
    for (const tenant of ['acme', 'globex']) {
      await mkdir(path.join(root, tenant, 'docs'), { recursive: true });
      await writeFile(path.join(root, tenant, 'logo.png'), Buffer.alloc(5000, tenant.length));
      await writeFile(path.join(root, tenant, 'docs', 'readme.txt'), `${tenant}\n`);
    }
    return {
      source: { type: 'files', path: root, tenants: { mode: 'directory' } },
      tenants: ['acme', 'globex'],
      scratch,
      counts: async () => ({}),
      restoreTestCounts: () => ({ files: 2 }),
      digest: (tenant) => digestOf(path.join(root, tenant)),
      damage: async (tenant) => {
        await rm(path.join(root, tenant, 'logo.png'));
        await writeFile(path.join(root, tenant, 'docs', 'new.txt'), 'added after the backup\n');
      },
      cleanup: () => tmp.cleanup(),
    };
  },
});
