/**
 * Synthetic archive timelines for retention tests: real archives of a small files source, made by
 * the real create command in-process with an injected clock (Context.now), so that every archive
 * is a genuine zip + sidecar pair whose id carries the chosen time.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCreate } from '../../src/commands/create.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { noProgress, silentLogger, type Context } from '../../src/context.js';
import { createStorage, storageConfig } from '../../src/storage/registry.js';
import type { Storage } from '../../src/storage/types.js';
import { archiveId, formatTimestamp, sidecarKey } from '../../src/archive/layout.js';
import { tempDir, writeConfig } from './tmp.js';

export interface Lab {
  dir: string;
  configPath: string;
  config: Config;
  /** A Context whose clock stands still at `now`. */
  ctx(now: Date | string): Context;
  storage(name?: string): Promise<Storage>;
  cleanup(): Promise<void>;
}

/** A directory with a `media` files source (one subdirectory per tenant) and the given config on top. */
export async function makeLab(tenants: string[], overrides: Record<string, unknown>): Promise<Lab> {
  const tmp = await tempDir('orgbackup-prune-');
  for (const tenant of tenants) {
    await mkdir(path.join(tmp.dir, 'data', tenant), { recursive: true });
    await writeFile(path.join(tmp.dir, 'data', tenant, 'file.txt'), `data of ${tenant}\n`);
  }
  const raw = {
    version: 1,
    sources: { media: { type: 'files', path: './data', tenants: { mode: 'directory' } } },
    storage: { local: { type: 'local', path: './backups' } },
    defaults: { compression: 'none' },
    ...overrides,
  };
  const configPath = await writeConfig(tmp.dir, raw);
  // An invalid config is written all the same (tests of config errors); only using it throws.
  let parseError: unknown;
  let valid: Config | undefined;
  try {
    valid = parseConfig(raw, process.env);
  } catch (error) {
    parseError = error;
  }
  const config = () => {
    if (!valid) throw parseError;
    return valid;
  };
  const storages = new Map<string, Promise<Storage>>();
  const temps: string[] = [];
  const storage = (name = 'local') => {
    if (!storages.has(name)) storages.set(name, createStorage(name, storageConfig(config(), name), tmp.dir));
    return storages.get(name)!;
  };
  return {
    dir: tmp.dir,
    configPath,
    get config() {
      return config();
    },
    storage,
    ctx: (now) => ({
      config: config(),
      baseDir: tmp.dir,
      configPath,
      log: silentLogger,
      progress: noProgress,
      now: () => new Date(now),
      signal: new AbortController().signal,
      tempDir: async () => {
        const made = await mkdtemp(path.join(os.tmpdir(), 'orgbackup-prune-ctx-'));
        temps.push(made);
        return made;
      },
      storage,
      interactive: false,
      ask: async () => '',
      env: process.env,
      verbose: false,
    }),
    cleanup: async () => {
      for (const t of temps) await rm(t, { recursive: true, force: true });
      await tmp.cleanup();
    },
  };
}

export interface ArchiveSpec {
  tenant: string;
  at: string;
  labels?: string[];
  trigger?: string;
  storage?: string[];
}

/** One real archive of one tenant, made at `at`; returns its id. */
export async function makeArchive(lab: Lab, spec: ArchiveSpec): Promise<string> {
  const result = await runCreate({ source: ['media'], tenant: [spec.tenant], label: spec.labels, trigger: spec.trigger, storage: spec.storage, skipPreflight: true }, lab.ctx(spec.at));
  const archive = result.archives[0];
  if (!result.ok || !archive) throw new Error(`test setup: create failed: ${JSON.stringify(result)}`);
  return archive.id;
}

/**
 * Copies an existing archive under another time, with a sidecar naming the new id: a cheap way to
 * a long timeline (thousands of archives) whose pairs are still well-formed.
 */
export async function cloneArchive(storage: Storage, templateId: string, tenant: string, at: Date): Promise<string> {
  const id = archiveId({ source: 'media', tenant, timestamp: formatTimestamp(at) });
  const sidecar = JSON.parse((await storage.getBuffer(sidecarKey(templateId))).toString('utf8')) as { object: { key: string } };
  const zip = await storage.getBuffer(sidecar.object.key);
  const key = `${id}.zip`;
  await storage.put(key, zip);
  await storage.put(sidecarKey(id), Buffer.from(JSON.stringify({ ...sidecar, id, createdAt: at.toISOString(), object: { ...sidecar.object, key } })));
  return id;
}

/** Every file under the storage directory, relative and sorted: to prove that nothing changed. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
