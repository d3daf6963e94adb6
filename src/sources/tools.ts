/**
 * Finding native tools: the path configured under `tools.<name>`, else PATH. For PostgreSQL,
 * the newest installed major that is at least the server's (/usr/lib/postgresql/<N>/bin) wins
 * over an older one on PATH, because pg_dump refuses servers newer than itself.
 */
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';

export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
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

/** `<tool> --version`, asked once per run and file (a run may dump hundreds of tenants). */
const versions = new Map<string, Promise<string>>();
export function toolVersion(file: string, signal?: AbortSignal): Promise<string> {
  let version = versions.get(file);
  if (!version) {
    // The process-spawning code is loaded on first use (commands that spawn nothing skip its cost).
    version = import('../exec.js').then(({ runTool }) => runTool(file, ['--version'], { signal })).then((out) => out.trim());
    version.catch(() => versions.delete(file));
    versions.set(file, version);
  }
  return version;
}

export const PG_LIB_DIR = '/usr/lib/postgresql';

/** Installed PostgreSQL client majors under /usr/lib/postgresql, newest first. */
export async function installedPgMajors(libDir = PG_LIB_DIR): Promise<number[]> {
  const names = await readdir(libDir).catch(() => [] as string[]);
  return names
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => b - a);
}

export interface ResolvedTool {
  file: string;
  /** Why this one was chosen, for verbose output. */
  reason: string;
}

export interface InstalledPgTool {
  major: number;
  file: string;
}

/** The executable copies of a PostgreSQL tool under /usr/lib/postgresql/<N>/bin, newest first. */
export async function installedPgTools(name: string, libDir = PG_LIB_DIR): Promise<InstalledPgTool[]> {
  const found: InstalledPgTool[] = [];
  for (const major of await installedPgMajors(libDir)) {
    const file = path.join(libDir, String(major), 'bin', name);
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      found.push({ major, file });
  }
  return found;
}

/**
 * Resolves a PostgreSQL tool for a server major: configured path, else the newest
 * /usr/lib/postgresql/<N>/bin/<tool> with N >= serverMajor (without a server major, the newest
 * installed one, since newer pg_restore/psql read older dumps), else PATH.
 */
export async function resolvePgTool(name: string, configured: Record<string, string>, serverMajor?: number, libDir = PG_LIB_DIR): Promise<ResolvedTool> {
  const explicit = configured[name];
  if (explicit) return { file: explicit, reason: `configured as tools.${name}` };
  const installed = await installedPgTools(name, libDir);
  const newest = installed[0];
  if (newest && (serverMajor === undefined || newest.major >= serverMajor)) {
    const others = installed.length > 1 ? ` (installed: ${installed.map((t) => t.major).join(', ')})` : '';
    const why = serverMajor === undefined ? `newest installed major ${newest.major}` : `newest installed major ${newest.major} >= server major ${serverMajor}`;
    return { file: newest.file, reason: `${why}${others}` };
  }
  const onPath = await findOnPath(name);
  const older = newest ? `; ${libDir} only has major ${installed.map((t) => t.major).join(', ')}` : '';
  return { file: onPath ?? name, reason: `${onPath ? 'found on PATH' : 'not found on PATH'}${older}` };
}

/** Where to get a PostgreSQL client tool of at least `serverMajor` (unknown: any), for hints. */
export function pgInstallHint(name: string, serverMajor: number | undefined, libDir = PG_LIB_DIR): string {
  if (serverMajor === undefined) {
    return `install the PostgreSQL client (\`apt-get install postgresql-client\`, \`apk add postgresql-client\`), or set "tools": {"${name}": "/path/to/${name}"} in the source's config`;
  }
  return (
    `install the PostgreSQL ${serverMajor} client (Debian/Ubuntu with apt.postgresql.org: \`apt-get install postgresql-client-${serverMajor}\`, ` +
    `which puts ${name} in ${libDir}/${serverMajor}/bin where orgbackup finds it; Alpine: \`apk add postgresql${serverMajor}-client\`), ` +
    `or set "tools": {"${name}": "/path/to/${name}"} in the source's config to a ${name} >= ${serverMajor}`
  );
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
