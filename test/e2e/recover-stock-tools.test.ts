/**
 * The "Recovering without orgbackup" steps of docs/recovery.md, run as written against a real encrypted
 * archive with stock tools only (age, unzip, sha256sum, zstd, createdb, pg_restore): only the
 * example paths and database name are replaced. If the page changes, this test runs the change.
 */
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, runCli } from '../helpers/cli.js';
import { PG_HOST, PG_PORT, PG_USER, dropDb, pgQuery, tableDigests } from '../helpers/pg.js';
import { tempDir, uniqueName, writeConfig } from '../helpers/tmp.js';
import { ageKey, baseConfig, filesFixture, pgFixture, storedObjects } from '../integration/encryption-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The first ```sh block after the heading. */
function recoverySteps(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Recovering without orgbackup'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/recovery.md: no sh block under "Recovering without orgbackup"');
  return block[1]!.trimEnd().split('\n');
}

describe('docs/recovery.md: recovering without orgbackup', () => {
  it('the documented steps recover an encrypted PostgreSQL archive with stock tools', async () => {
    const steps = recoverySteps(await readFile(path.join(ROOT, 'docs', 'recovery.md'), 'utf8'));
    // The steps this test exists for are still there.
    for (const tool of ['age -d -i', 'unzip', 'sha256sum -c SHA256SUMS', 'zstd -d', 'pg_restore']) expect(steps.join('\n')).toContain(tool);

    const tmp = await tempDir('orgbackup-recover-');
    cleanups.push(() => tmp.cleanup());
    const db = await pgFixture();
    cleanups.push(() => dropDb(db));
    // Over 8 MiB of table data, so the dump goes through zstd (smaller ones are pg_dump-compressed).
    await pgQuery(db, `CREATE TABLE padding AS SELECT g AS id, repeat(md5(g::text), 8) AS filler FROM generate_series(1, 40000) g`);
    const key = await ageKey(tmp.dir, 'key');
    const config = baseConfig(db, await filesFixture(tmp.dir), { recipients: [key.recipient] });
    config.defaults.compression = 'zstd';
    const created = await runCli(['-c', await writeConfig(tmp.dir, config), '--json', 'create', '--source', 'app']);
    expect(created.exitCode, created.stderr).toBe(0);
    const [archive] = await storedObjects(path.join(tmp.dir, 'backups'));

    const recovered = uniqueName('ob_recovered');
    cleanups.push(() => dropDb(recovered));
    const workDir = path.join(tmp.dir, 'recover');
    const script = steps
      .map((line) => line.replace(/^ARCHIVE=\S+/, `ARCHIVE=${archive!.object}`).replace(/^KEY=\S+/, `KEY=${key.file}`))
      .map((line) => line.replaceAll('/tmp/recover', workDir).replaceAll('app_recovered', recovered));
    expect(script.filter((line, i) => line !== steps[i]).length, 'ARCHIVE, KEY, the directory and database were substituted').toBeGreaterThanOrEqual(4);

    // xtrace shows each step as it runs; -e stops at the first failing one.
    const run = await execa('bash', ['-euxo', 'pipefail', '-c', script.join('\n')], {
      env: { PGHOST: PG_HOST, PGPORT: String(PG_PORT), PGUSER: PG_USER },
      reject: false,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const command of ['age -d -i', 'unzip archive.zip', 'sha256sum -c SHA256SUMS', 'zstd -d db.pgdump.zst', 'pg_restore -d']) {
      expect(run.stderr, `step "${command}" ran`).toMatch(new RegExp(`^\\+ ${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    }
    expect(run.stdout).toMatch(/^db\.pgdump\.zst: OK$/m);
    expect(await tableDigests(recovered)).toEqual(await tableDigests(db));
  });
});
