/**
 * verify --restore-test (level 3) for files archives: extracted into a throwaway directory under
 * --scratch, counted against the manifest, and removed again; a doctored archive fails level 3.
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { doctorArchive } from '../helpers/doctor-archive.js';
import { cleanupsAfterAll, workDir } from '../helpers/restore-fixtures.js';
import { configWith, createArchives, verifyJson, failsRestoreTestOnly } from '../helpers/restore.js';

const later = cleanupsAfterAll();

async function filesFixture(): Promise<{ dir: string; config: string; scratch: string }> {
  const dir = await workDir(later);
  const tenants = path.join(dir, 'tenants');
  await cp(path.join(ROOT, 'examples/tenants'), tenants, { recursive: true });
  await writeFile(path.join(tenants, 'acme', 'big.bin'), Buffer.alloc(200_000, 7));
  const scratch = path.join(dir, 'scratch');
  await mkdir(scratch);
  const config = await configWith(dir, { type: 'files', path: tenants, tenants: { mode: 'directory' } });
  return { dir, config, scratch };
}

describe('verify --restore-test, files', () => {
  it('restores every tenant into a throwaway directory under --scratch, compares, and removes it', async () => {
    const { config, scratch } = await filesFixture();
    expect(await createArchives(config)).toHaveLength(3);
    const res = await runCli(['-c', config, '--json', 'verify', '--restore-test', '--scratch', scratch]);
    expect(res.exitCode, res.stderr).toBe(0);
    const items = verifyJson(res);
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item.levels).toEqual([1, 2, 3]);
      expect(item.restoreTest!.where).toContain(scratch);
    }
    const acme = items.find((i) => i.id.startsWith('app/acme/'));
    expect(acme!.restoreTest).toMatchObject({ files: 4, problems: [] });
    expect(await readdir(scratch)).toEqual([]);
  });

  it('fails level 3 (exit 5) when the manifest claims more files than the archive holds', async () => {
    const { dir, config, scratch } = await filesFixture();
    const ids = await createArchives(config, ['--tenant', 'globex', '--source', 'app']);
    const doctored = await doctorArchive(path.join(dir, 'backups'), ids[0]!, (manifest) => {
      manifest.details = { ...manifest.details, files: Number(manifest.details?.files) + 1 };
    });
    const item = await failsRestoreTestOnly(config, doctored, ['--scratch', scratch]);
    expect(item.error).toContain('files: 3 in the manifest, 2 restored');
    expect(await readdir(scratch)).toEqual([]);
  });
});
