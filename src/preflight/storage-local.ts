/** Local storage: the directory exists or can be created, and a real write probe succeeds. */
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { ensureDirectory, type LocalStorage } from '../storage/local.js';
import type { CheckResult } from './types.js';

export async function checkLocalStorage(ctx: Context, name: string): Promise<CheckResult[]> {
  const storage = (await ctx.storage(name)) as LocalStorage;
  const dir = storage.root;
  const id = `storage.${name}.writable`;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  try {
    await ensureDirectory(dir);
    const probe = path.join(dir, `.orgbackup-probe-${process.pid}`);
    const handle = await open(probe, 'wx', 0o600);
    await handle.writeFile('probe');
    await handle.sync();
    await handle.close();
    await rename(probe, `${probe}.done`);
    await unlink(`${probe}.done`);
    return [{ id, status: 'pass', message: `${dir} is writable by uid ${uid}`, subject: name }];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return [{ id, status: 'fail', message: `cannot write to ${dir} as uid ${uid}: ${code}`, hint: `chown -R ${uid}:${gid} ${dir}`, subject: name }];
  }
}
