/**
 * A files source: for create, its directory (and, in directory mode, each tenant's subdirectory)
 * can be read by the running user; for restore, the directory a restore swaps tenants into can be
 * written. An unreadable tenant subdirectory concerns that tenant only: a warning.
 */
import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { FilesSourceConfig } from './config.js';
import { readIdentity } from '../../util/identity.js';
import { inspectPath } from '../../util/path-state.js';
import { fail, pass, warn, type CheckContext, type CheckPurpose, type CheckResult } from '../checks/result.js';

const can = (file: string, mode: number) =>
  access(file, mode).then(
    () => true,
    () => false,
  );

export async function checkFilesSource(ctx: CheckContext, name: string, config: FilesSourceConfig, options: CheckPurpose): Promise<CheckResult[]> {
  if (options.for === 'prune') return [];
  const root = path.resolve(ctx.baseDir, config.path);
  const me = await readIdentity();
  const id = `source.${name}.path`;
  if (options.for === 'restore' && options.target) return [await targetCheck(id, path.resolve(options.target), me, name)];
  const state = await inspectPath(root);
  if (state.kind !== 'directory') {
    const what = state.kind === 'missing' ? 'does not exist' : state.kind === 'not-a-directory' ? 'is not a directory' : `cannot be looked at (${state.code})`;
    if (options.for === 'restore' && state.kind === 'missing') return [pass(id, `${root} does not exist yet; restore creates it`, name)];
    return [fail(id, `${root} ${what}`, `check sources.${name}.path`, name)];
  }
  const owner = `owner ${state.dir.uid}:${state.dir.gid}`;
  if (options.for === 'restore') {
    // A restore builds the tenant beside its place and renames it in, so the parent must be writable.
    const parent = config.tenants.mode === 'none' ? path.dirname(root) : root;
    if (await can(parent, constants.W_OK | constants.X_OK)) return [pass(id, `uid ${me.uid} may write ${parent}, where restore swaps the files in`, name)];
    return [fail(id, `uid ${me.uid} may not write ${parent}, where restore swaps the files in`, `as root: \`chown ${me.uid}:${me.gid} ${parent}\`, or restore elsewhere with --target <dir>`, name)];
  }
  if (!(await can(root, constants.R_OK | constants.X_OK))) {
    return [
      fail(
        id,
        `uid ${me.uid} may not read ${root} (${owner})`,
        `as root: \`chmod -R u+rX,g+rX ${root}\` and add uid ${me.uid} to group ${state.dir.gid}, or \`chown -R ${me.uid}:${me.gid} ${root}\``,
        name,
      ),
    ];
  }
  const checks: CheckResult[] = [pass(id, `uid ${me.uid} may read ${root} (${owner})`, name)];
  if (config.tenants.mode === 'directory') checks.push(...(await tenantDirChecks(name, root, me.uid)));
  return checks;
}

/** restore --target <dir>: the nearest existing ancestor of the target must be writable (the source is not touched). */
async function targetCheck(id: string, target: string, me: { uid: number; gid: number }, name: string): Promise<CheckResult> {
  let dir = path.dirname(target);
  while ((await inspectPath(dir)).kind === 'missing' && path.dirname(dir) !== dir) dir = path.dirname(dir);
  if (await can(dir, constants.W_OK | constants.X_OK)) return pass(id, `uid ${me.uid} may write ${dir}, where restore builds ${target}`, name);
  return fail(
    id,
    `uid ${me.uid} may not write ${dir}, where restore would build ${target}`,
    `choose a --target under a directory uid ${me.uid} may write, or as root: \`chown ${me.uid}:${me.gid} ${dir}\``,
    name,
  );
}

async function tenantDirChecks(name: string, root: string, uid: number): Promise<CheckResult[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const checks: CheckResult[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = path.join(root, entry.name);
    if (await can(dir, constants.R_OK | constants.X_OK)) continue;
    const subject = `${name}/${entry.name}`;
    checks.push(
      warn(
        `tenant.${subject}.path`,
        `uid ${uid} may not read ${dir}; this tenant will fail, the others are backed up`,
        `as root: \`chmod -R u+rX,g+rX ${dir}\` or \`chown -R ${uid} ${dir}\``,
        subject,
      ),
    );
  }
  return checks;
}
