import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A unique name for databases, schemas and directories made by one test. */
export function uniqueName(prefix = 'ob'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export async function tempDir(prefix = 'orgbackup-test-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a config object as JSON and returns its path. */
export async function writeConfig(dir: string, config: unknown, name = 'backup.config.json'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** Every regular file under `dir` (relative path -> content), names byte-exact, for exact comparisons. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath, entry.name))] = await readFile(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}
