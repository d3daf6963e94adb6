/** SIGINT/SIGTERM mid-backup: children stopped, temp files removed, exit 130/143, nothing listed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { createDb, dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { seedSaasInto } from '../helpers/tenants.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('interrupted create', () => {
  let db: string;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let config: string;
  beforeAll(async () => {
    db = await createDb('ob_sig');
    await seedSaasInto(db, { scale: 2 });
    tmp = await tempDir();
    config = await writeConfig(tmp.dir, {
      version: 1,
      sources: { app: { type: 'postgres', url: pgUrl(db) } },
      storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } },
    });
  });
  afterAll(async () => {
    await dropDb(db);
    await tmp.cleanup();
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s while the dump streams: exit %i, no temp file, no pg_dump left, nothing listed', async (signal, code) => {
    const backups = path.join(tmp.dir, 'backups');
    const child = execa(process.execPath, [BIN, '-c', config, 'create'], { reject: false, env: { NO_COLOR: '1' } });
    // Wait until the archive is being written (its temp file exists), then interrupt.
    let sawTemp = false;
    for (let i = 0; i < 600 && !sawTemp; i++) {
      sawTemp = (await filesUnder(backups)).some((f) => f.includes('.tmp-'));
      if (!sawTemp) await new Promise((r) => setTimeout(r, 25));
    }
    expect(sawTemp).toBe(true);
    child.kill(signal);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(code);
    expect(String(result.stderr)).toMatch(new RegExp(`interrupted by ${signal}`));
    expect((await filesUnder(backups)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const listed = await runCli(['-c', config, '--json', 'list']);
    expect(listed.json.archives).toEqual([]);
    // The server notices the closed connections within moments; give it up to 5 s.
    let sessions = -1;
    for (let i = 0; i < 50 && sessions !== 0; i++) {
      const rows = await pgQuery<{ n: string }>('postgres', `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'orgbackup'`, [db]);
      sessions = Number(rows[0]?.n);
      if (sessions !== 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(sessions).toBe(0);
  });
});

describe('closed output', () => {
  it('a reader that goes away (`create | head`) neither stops the backup nor leaves temp files', async () => {
    const tmp = await tempDir();
    try {
      const tmpdir = path.join(tmp.dir, 'tmp');
      await mkdir(tmpdir);
      const config = await writeConfig(tmp.dir, {
        version: 1,
        sources: { app: { type: 'files', path: path.join(ROOT, 'examples/tenants'), tenants: { mode: 'directory' } } },
        storage: { local: { type: 'local', path: path.join(tmp.dir, 'backups') } },
      });
      const child = execa(process.execPath, [BIN, '-c', config, '--verbose', 'create'], { reject: false, buffer: false, env: { NO_COLOR: '1', TMPDIR: tmpdir } });
      // Both pipes are closed before the first line is written: every write meets EPIPE.
      child.stdout.destroy();
      child.stderr.destroy();
      const result = await child;
      expect(result.exitCode).toBe(0);
      const listed = await runCli(['-c', config, '--json', 'list']);
      expect((listed.json.archives as unknown[]).length).toBe(3);
      expect(await readdir(tmpdir)).toEqual([]);
    } finally {
      await tmp.cleanup();
    }
  });
});
