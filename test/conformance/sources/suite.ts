/**
 * The Source contract of src/sources/types.ts as one suite every engine passes (like the storage
 * one, test/integration/storage-conformance.ts, after restic's backend/test/suite.go), run through
 * the built binary as a user would. An engine's test file calls `sourceConformance(fixture)` with a
 * fixture that makes a fresh source of two tenants and reads, changes and counts their data; the
 * suite checks tenant discovery, the dump/restore round trip, the counts, the restore test, and,
 * SIGTERM during a dump (held in its native tool, or at a test-hook point for an engine that runs
 * none), and, where the engine has them, bad credentials and a missing native tool.
 */
import { execa, type ResultPromise } from 'execa';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../../helpers/cli.js';
import { verifyJson } from '../../helpers/restore.js';
import { tempDir, writeConfig } from '../../helpers/tmp.js';
import { PAUSE_ENV } from '../../../src/util/test-hooks.js';

export interface TestSource {
  /** The config's source entry (one source `app`). */
  source: Record<string, unknown>;
  /** The tenant ids discovery must find. */
  tenants: string[];
  /** What a restore of `tenant` reports per table (or file set): name -> rows. */
  counts(tenant: string): Promise<Record<string, number>>;
  /** What the restore test of `tenant` counts (tables and rows, or files). */
  restoreTestCounts(tenant: string): { tables?: number; rows?: number; files?: number };
  /** A digest of the tenant's data: equal digests, equal data. */
  digest(tenant: string): Promise<string>;
  /** Changes the tenant's data, so that a restore has something to undo. */
  damage(tenant: string): Promise<void>;
  /** The --scratch a restore test of this source needs, if any. */
  scratch?: string;
  cleanup(): Promise<void>;
}

export interface SourceFixture {
  engine: string;
  make(): Promise<TestSource>;
  /** The native tool a dump runs: its `tools` keys (every name the engine may look up) and the real tool (on PATH), which answers --version. */
  dumpTool?: { keys: string[]; real: string };
  /**
   * For an engine that runs no native tool a test could hold open (files): the test-hook point in
   * its dump (ORGBACKUP_TEST_PAUSE_AT, src/util/test-hooks.ts) that holds the dump with an entry
   * written, so that SIGTERM lands mid-dump whatever the machine's load.
   */
  dumpPause?: string;
  /** The same source with a wrong password, and that password (which must appear nowhere in the output). */
  badCredentials?: (source: Record<string, unknown>) => Promise<{ source: Record<string, unknown>; secret: string; cleanup(): Promise<void> }>;
}

interface Archive {
  id: string;
  tenant: string;
  status: string;
}

/** A config of one source `app` and a local storage in `dir`/backups, written as `name`. */
function configWith(dir: string, source: Record<string, unknown>, name = 'backup.config.json'): Promise<string> {
  return writeConfig(dir, { version: 1, sources: { app: source }, storage: { local: { type: 'local', path: `${dir}/backups` } } }, name);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/**
 * A stand-in for the dump tool that answers version questions with the real tool and otherwise
 * says "started" through a FIFO (the test's read of it is the event that the dump is running, no
 * polling) and then hangs as a long dump would.
 */
async function hangingTool(dir: string, real: string): Promise<{ file: string; started: Promise<number> }> {
  const fifo = path.join(dir, 'started.fifo');
  await execa('mkfifo', [fifo]);
  const file = path.join(dir, 'hanging-dump');
  await writeFile(file, `#!/bin/sh\nfor a in "$@"; do case "$a" in --version|-version|-V) exec '${real}' "$@";; esac; done\necho $$ > '${fifo}'\nexec sleep 300\n`);
  await chmod(file, 0o755);
  return { file, started: readFile(fifo, 'utf8').then((pid) => Number(pid.trim())) };
}

interface HeldDump {
  config: string;
  child: ResultPromise<{ reject: false; env: Record<string, string> }>;
  /** Settles once the dump is held; with the pid of the held tool, if it runs one. */
  started: Promise<number | undefined>;
}

/** `create` with the dump tool replaced by one that hangs once started. */
async function holdInTool(dir: string, source: Record<string, unknown>, tool: { keys: string[]; real: string }): Promise<HeldDump> {
  const hanging = await hangingTool(dir, tool.real);
  const tools = Object.fromEntries(tool.keys.map((key) => [key, hanging.file]));
  const config = await configWith(dir, { ...source, tools });
  const child = execa(process.execPath, [BIN, '-c', config, 'create'], { reject: false, env: { NO_COLOR: '1' } });
  return { config, child, started: hanging.started };
}

/** `create` held at a test-hook point of the dump: it says so on stderr and waits there for a signal. */
async function holdAtPause(dir: string, source: Record<string, unknown>, point: string): Promise<HeldDump> {
  const config = await configWith(dir, source);
  const child = execa(process.execPath, [BIN, '-c', config, 'create'], { reject: false, env: { NO_COLOR: '1', [PAUSE_ENV]: point } });
  const started = new Promise<undefined>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(`orgbackup-test: paused at ${point}`)) resolve(undefined);
    });
    child.once('exit', () => reject(new Error(`the run ended before its dump reached ${point}: ${seen}`)));
  });
  return { config, child, started };
}

export function sourceConformance(fixture: SourceFixture): void {
  describe(`source conformance: ${fixture.engine}`, () => {
    let made: TestSource;
    let work: Awaited<ReturnType<typeof tempDir>>;
    let config: string;
    let archives: Archive[];
    beforeAll(async () => {
      made = await fixture.make();
      work = await tempDir();
      config = await configWith(work.dir, made.source);
      const res = await runCli(['-c', config, '--json', 'create']);
      expect(res.exitCode, res.stderr).toBe(0);
      archives = res.json.archives as Archive[];
    });
    afterAll(async () => {
      await made?.cleanup();
      await work?.cleanup();
    });

    it('discovers its tenants and backs each up into one archive', () => {
      expect(archives.map((a) => a.tenant).sort()).toEqual([...made.tenants].sort());
      expect(archives.every((a) => a.status === 'ok')).toBe(true);
    });

    it('restores a changed tenant to what was dumped, counting what it restored, and leaves the other tenant alone', async () => {
      const [tenant, other] = made.tenants as [string, string];
      const before = await made.digest(tenant);
      const otherBefore = await made.digest(other);
      await made.damage(tenant);
      expect(await made.digest(tenant)).not.toBe(before);
      const res = await runCli(['-c', config, '--json', 'restore', 'latest', '--source', 'app', '--tenant', tenant, '--yes']);
      expect(res.exitCode, res.stderr).toBe(0);
      expect(await made.digest(tenant)).toBe(before);
      expect(await made.digest(other)).toBe(otherBefore);
      const restored = Object.fromEntries((res.json.tables as { name: string; rows: number }[]).map((t) => [t.name, t.rows]));
      expect(restored).toEqual(await made.counts(tenant));
    });

    it('passes the restore test of every archive, in a throwaway place it removes', async () => {
      const res = await runCli(['-c', config, '--json', 'verify', '--restore-test', ...(made.scratch ? ['--scratch', made.scratch] : [])]);
      expect(res.exitCode, res.stderr).toBe(0);
      const items = verifyJson(res);
      expect(items.map((i) => i.levels)).toEqual(made.tenants.map(() => [1, 2, 3]));
      for (const item of items) {
        const tenant = archives.find((a) => a.id === item.id)!.tenant;
        expect(item.restoreTest).toMatchObject({ ...made.restoreTestCounts(tenant), problems: [] });
      }
      if (made.scratch) expect(await readdir(made.scratch)).toEqual([]);
    });

    const tool = fixture.dumpTool;
    const pause = fixture.dumpPause;
    if (tool || pause) {
      it(`SIGTERM during a dump: exit 143, ${tool ? 'the tool stopped, ' : ''}no archive and no temp file`, async () => {
        const dir = await tempDir();
        try {
          const held = tool ? await holdInTool(dir.dir, made.source, tool) : await holdAtPause(dir.dir, made.source, pause!);
          const pid = await held.started;
          held.child.kill('SIGTERM');
          const result = await held.child;
          expect(result.exitCode, String(result.stderr)).toBe(143);
          expect(String(result.stderr)).toMatch(/interrupted by SIGTERM/);
          if (pid !== undefined) expect(() => process.kill(pid, 0)).toThrow();
          expect((await filesUnder(path.join(dir.dir, 'backups'))).filter((f) => f.includes('.tmp-'))).toEqual([]);
          const listed = await runCli(['-c', held.config, '--json', 'list']);
          expect(listed.json.archives).toEqual([]);
        } finally {
          await dir.cleanup();
        }
      });
    }

    if (tool) {
      it('a missing dump tool stops create at preflight (exit 4), saying what to install', async () => {
        const tools = Object.fromEntries(tool.keys.map((key) => [key, `/nonexistent/${key}`]));
        const file = await configWith(work.dir, { ...made.source, tools }, 'missing-tool.json');
        const res = await runCli(['-c', file, 'create']);
        expect(res.exitCode, res.stderr).toBe(4);
        expect(res.stderr).toMatch(/source\.app\.tool\.[\w-]+: .*was not found/);
        expect(res.stderr).toMatch(/fix: .*install/);
      });
    }

    const badCredentials = fixture.badCredentials;
    if (badCredentials) {
      it('bad credentials stop create at preflight (exit 4) without the password in the output', async () => {
        const bad = await badCredentials(made.source);
        try {
          const file = await configWith(work.dir, bad.source, 'bad-credentials.json');
          const res = await runCli(['-c', file, 'create']);
          expect(res.exitCode, res.stderr).toBe(4);
          expect(res.stderr).toMatch(/source\.app\.connect: /);
          expect(res.stderr + res.stdout).not.toContain(bad.secret);
        } finally {
          await bad.cleanup();
        }
      });
    }
  });
}
