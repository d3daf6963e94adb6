/**
 * Where a SQLite source's databases are. Mode `none`: `path` is one file. Mode `directory`: one
 * database per tenant, either `path` with a wildcard in its last segment (`data/tenants/*.sqlite`),
 * or `path` a directory filtered by `tenants.match` (a glob), or, with neither, every file in it
 * that starts with the SQLite header. The tenant id is the file name without its extension.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { OrgbackupError, ExitCode, UsageError } from '../../errors.js';

const WILDCARD = /[*?[]/;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface TenantFile {
  id: string;
  file: string;
}

export interface FileSet {
  dir: string;
  /** null: every file with the SQLite header. */
  pattern: RegExp | null;
}

/** A glob over one path segment as a RegExp: `*`, `?` and `[...]` classes; dotfiles only when asked. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${glob.startsWith('.') ? '' : '(?!\\.)'}${out}$`);
}

export function tenantIdOf(fileName: string): string {
  const ext = path.extname(fileName);
  return ext && ext !== fileName ? fileName.slice(0, -ext.length) : fileName;
}

export function fileSetOf(root: string, match: string | undefined, sourceName: string): FileSet {
  const base = path.basename(root);
  if (WILDCARD.test(path.dirname(root))) {
    throw new UsageError(`source "${sourceName}": only the last part of the path may hold a wildcard (${root})`, {
      hint: 'put the tenant databases in one directory, e.g. "data/tenants/*.sqlite"',
    });
  }
  if (WILDCARD.test(base)) return { dir: path.dirname(root), pattern: globToRegExp(base) };
  return { dir: root, pattern: match ? globToRegExp(match) : null };
}

async function hasSqliteHeader(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const buf = Buffer.alloc(SQLITE_HEADER.length);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(SQLITE_HEADER);
  } finally {
    await handle.close();
  }
}

/** The tenant databases of a file set, sorted by id; two files with one id are an error. */
export async function listTenantFiles(set: FileSet, sourceName: string): Promise<TenantFile[]> {
  const entries = await readdir(set.dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new OrgbackupError(`sqlite source "${sourceName}": cannot read ${set.dir}: ${error.code ?? error.message}`, ExitCode.failed, {
      hint: 'check the source path and that this user may read the directory',
    });
  });
  const found: TenantFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || /-(wal|shm|journal)$/.test(entry.name)) continue;
    const file = path.join(set.dir, entry.name);
    const wanted = set.pattern ? set.pattern.test(entry.name) : !entry.name.startsWith('.') && (await hasSqliteHeader(file));
    if (wanted) found.push({ id: tenantIdOf(entry.name), file });
  }
  found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.id === found[i - 1]!.id) {
      throw new UsageError(`sqlite source "${sourceName}": ${found[i - 1]!.file} and ${found[i]!.file} would both be tenant "${found[i]!.id}"`, {
        hint: 'narrow the pattern (e.g. "*.sqlite") so each tenant has one file',
      });
    }
  }
  return found;
}
