/** Builds the Context a command runs with, from global options and the loaded config. */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Context, Progress } from '../context.js';
import { noProgress } from '../context.js';
import type { LoadedConfig } from '../config/load.js';
import { createStorage, storageConfig } from '../storage/registry.js';
import type { Storage } from '../storage/types.js';
import type { Printer } from './printer.js';
import { makeRunTempDir, removeStaleTempDirs } from './temp-dirs.js';
import { printable } from './render/printable.js';

export interface ContextParts {
  loaded: LoadedConfig;
  printer: Printer;
  progress: Progress;
  signal: AbortSignal;
  verbose: boolean;
}

export interface OwnedContext {
  ctx: Context;
  /** Removes the run's temp directory. */
  dispose(): Promise<void>;
}

/**
 * The run's private temp directory. Besides the orderly removal in dispose(), it is removed
 * synchronously when the process exits any other way it still can (an internal error that
 * escapes): it may hold tenant data (the rows spool, pgpass files) in the clear. What a SIGKILL
 * leaves behind, later runs remove (temp-dirs.ts).
 */
async function makeTempDir(): Promise<string> {
  const dir = await makeRunTempDir();
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function createContext(parts: ContextParts): OwnedContext {
  let tempDir: Promise<string> | undefined;
  const storages = new Map<string, Promise<Storage>>();
  const { config, baseDir, filepath } = parts.loaded;
  // Runs beside the command; awaited in dispose so that it is finished when the process exits.
  const sweeping = removeStaleTempDirs().then((dirs) => {
    if (dirs.length > 0) parts.printer.debug(`removed ${dirs.length} temp director${dirs.length === 1 ? 'y' : 'ies'} left by killed runs: ${dirs.join(', ')}`);
  });
  const ctx: Context = {
    config,
    baseDir,
    configPath: filepath,
    log: parts.printer,
    progress: parts.progress ?? noProgress,
    now: () => new Date(),
    signal: parts.signal,
    tempDir: () => (tempDir ??= makeTempDir()),
    storage: (name) => {
      let storage = storages.get(name);
      if (!storage) {
        storage = createStorage(name, storageConfig(config, name), baseDir);
        storages.set(name, storage);
      }
      return storage;
    },
    interactive: !!process.stdin.isTTY && !!process.stderr.isTTY,
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(printable(question, { keepNewlines: true }), { signal: parts.signal });
      } finally {
        rl.close();
      }
    },
    env: process.env,
    verbose: parts.verbose,
  };
  return {
    ctx,
    dispose: async () => {
      await sweeping;
      if (tempDir) await rm(await tempDir, { recursive: true, force: true });
    },
  };
}
