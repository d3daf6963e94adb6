/**
 * A rows run killed with SIGKILL cannot remove its spool (every selected tenant's rows, read in one
 * pass); until a later run does, the file must not show them. Through the built binary, encryption
 * configured: the run is held by the test-only pause hook once every table is spooled
 * (ORGBACKUP_TEST_PAUSE_AT=rows-spooled), then killed, and no file under its temp directory holds a
 * row of any tenant in the clear.
 */
import { execa } from 'execa';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { dropDb, pgQuery, pgUrl } from '../helpers/pg.js';
import { seedSaas } from '../helpers/tenants.js';
import { tempDir, writeConfig } from '../helpers/tmp.js';
import { ageKey } from '../integration/encryption-helpers.js';

let work: { dir: string; cleanup(): Promise<void> };
let db: string | undefined;
beforeEach(async () => {
  work = await tempDir('orgbackup-spool-enc-');
});
afterEach(async () => {
  if (db) await dropDb(db);
  db = undefined;
  await work.cleanup();
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('the rows spool of a killed run', () => {
  it('holds no tenant row in the clear (per-run key, memory only)', async () => {
    db = await seedSaas(20);
    const key = await ageKey(work.dir, 'key');
    const tmp = path.join(work.dir, 'tmp');
    await mkdir(tmp);
    const config = await writeConfig(work.dir, {
      version: 1,
      sources: { app: { type: 'postgres', url: pgUrl(db), tenants: { mode: 'rows', column: 'org_id', query: 'SELECT id, slug AS name FROM organizations ORDER BY id' } } },
      storage: { local: { type: 'local', path: path.join(work.dir, 'backups') } },
      encryption: { recipients: [key.recipient] },
    });
    const emails = (await pgQuery<{ email: string }>(db, 'SELECT email FROM users ORDER BY id')).map((r) => r.email);
    const titles = (await pgQuery<{ title: string }>(db, 'SELECT DISTINCT title FROM issues LIMIT 50')).map((r) => r.title);
    expect(emails.length).toBeGreaterThan(100);

    const child = execa(process.execPath, [BIN, '-c', config, '--no-progress', 'create'], {
      reject: false,
      cwd: ROOT,
      stdin: 'ignore',
      env: { NO_COLOR: '1', TMPDIR: tmp, ORGBACKUP_TEST_PAUSE_AT: 'rows-spooled' },
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('orgbackup-test: paused at rows-spooled')) resolve();
      });
      child.once('exit', () => reject(new Error(`the run ended before it spooled: ${seen}`)));
    });
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');

    const files = await filesUnder(tmp);
    const spools = files.filter((f) => path.basename(f).startsWith('rows-spool-'));
    expect(spools).toHaveLength(1);
    const spool = await readFile(spools[0]!);
    // Every user's row was spooled: the file is at least as big as their e-mail addresses.
    expect(spool.length).toBeGreaterThan(emails.join('').length);
    for (const file of files) {
      const text = (await readFile(file)).toString('latin1');
      for (const value of [...emails, ...titles]) expect(text.includes(value), `${value} in ${path.relative(tmp, file)}`).toBe(false);
    }
  });
});
