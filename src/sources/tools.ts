/**
 * Finding native tools: the path configured under `tools.<name>`, else PATH. For PostgreSQL,
 * the newest installed major that is at least the server's (/usr/lib/postgresql/<N>/bin) wins
 * over an older one on PATH, because pg_dump refuses servers newer than itself.
 */
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { runTool } from '../exec.js';

export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** `pg_dump (PostgreSQL) 15.20 (Debian ...)` -> 15; `mysqldump  Ver 10.19 Distrib 10.11.6-MariaDB` -> 10 */
export function parseMajorVersion(versionOutput: string): number | undefined {
  const distrib = /Distrib (\d+)\.(\d+)/.exec(versionOutput);
  if (distrib) return Number(distrib[1]);
  const plain = /(\d+)(?:\.(\d+))?/.exec(versionOutput.replace(/^[^\d]*/, ''));
  return plain ? Number(plain[1]) : undefined;
}

export async function toolVersion(file: string, signal?: AbortSignal): Promise<string> {
  return (await runTool(file, ['--version'], { signal })).trim();
}

export const PG_LIB_DIR = '/usr/lib/postgresql';

/** Installed PostgreSQL client majors under /usr/lib/postgresql, newest first. */
export async function installedPgMajors(libDir = PG_LIB_DIR): Promise<number[]> {
  const names = await readdir(libDir).catch(() => [] as string[]);
  return names.map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => b - a);
}

export interface ResolvedTool {
  file: string;
  /** Why this one was chosen, for verbose output. */
  reason: string;
}

/**
 * Resolves a PostgreSQL tool for a server major: configured path, else the newest
 * /usr/lib/postgresql/<N>/bin/<tool> with N >= serverMajor, else PATH.
 */
export async function resolvePgTool(name: string, configured: Record<string, string>, serverMajor?: number, libDir = PG_LIB_DIR): Promise<ResolvedTool> {
  const explicit = configured[name];
  if (explicit) return { file: explicit, reason: `configured as tools.${name}` };
  if (serverMajor !== undefined) {
    for (const major of await installedPgMajors(libDir)) {
      if (major < serverMajor) break;
      const candidate = path.join(libDir, String(major), 'bin', name);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) {
        return { file: candidate, reason: `newest installed major ${major} >= server major ${serverMajor}` };
      }
    }
  }
  const onPath = await findOnPath(name);
  return { file: onPath ?? name, reason: onPath ? 'found on PATH' : 'not found on PATH' };
}

/** Resolves any other tool: configured path, else the first of `names` found on PATH. */
export async function resolveTool(names: readonly string[], configured: Record<string, string>): Promise<ResolvedTool> {
  for (const name of names) if (configured[name]) return { file: configured[name], reason: `configured as tools.${name}` };
  for (const name of names) {
    const found = await findOnPath(name);
    if (found) return { file: found, reason: 'found on PATH' };
  }
  return { file: names[0] ?? '', reason: 'not found on PATH' };
}
