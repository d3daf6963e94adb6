/**
 * Local storage: the directory exists or can be created, is a directory, its owner, mode and
 * mount, and a real write probe as the running user. Preflight creates nothing that stays: a
 * missing storage directory is probed by making and removing a directory in its parent, and
 * create makes the real one (0700) when it writes the first archive.
 */
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { formatMode, readIdentity, type ProcessIdentity } from '../util/identity.js';
import { notADirectoryHint, volumeOwnershipHint, writeRefusedHint } from './hints.js';
import { describeMount, inspectPath, type DirInfo, type PathState } from '../util/path-state.js';
import { fail, pass, type CheckResult, type NamedCheck } from './types.js';
import { writeProbe } from './write-probe.js';

export function localStoragePath(ctx: Context, name: string): string | undefined {
  const config = ctx.config.storage[name];
  return config?.type === 'local' ? path.resolve(ctx.baseDir, config.path) : undefined;
}

export const checkLocalStorage: NamedCheck = async (ctx, name) => {
  const dir = localStoragePath(ctx, name);
  if (!dir) return [];
  const me = await readIdentity();
  const state = await inspectPath(dir);
  const pathCheck = await describePathState(name, dir, state, me);
  if (pathCheck.status === 'fail' || state.kind === 'not-a-directory' || state.kind === 'unreadable') return [pathCheck];
  return [pathCheck, await probeCheck(name, dir, state, me)];
};

async function describePathState(name: string, dir: string, state: PathState, me: ProcessIdentity): Promise<CheckResult> {
  const id = `storage.${name}.path`;
  const key = `storage.${name}.path`;
  switch (state.kind) {
    case 'not-a-directory':
      return fail(id, `${state.blocking} is a file, not a directory${state.blocking === dir ? '' : `, so ${dir} cannot be created`}`, notADirectoryHint(state.blocking, dir, key), name);
    case 'unreadable':
      return fail(id, `cannot look at ${state.at} as uid ${me.uid}: ${state.code}`, `as root: \`chmod o+x\` on the parents of ${dir}, or \`chown -R ${me.uid}:${me.gid} ${dir}\``, name);
    case 'missing':
      return pass(id, `${dir} does not exist yet; create makes it (mode 0700) in ${state.parent.path} (${ownership(state.parent)}${describeMount(state.parent)})`, name);
    case 'directory': {
      const readable = await access(dir, constants.R_OK | constants.X_OK).then(
        () => true,
        () => false,
      );
      const facts = `${ownership(state.dir)}${describeMount(state.dir)}`;
      if (readable) return pass(id, `${dir}: ${facts}`, name);
      const hint = me.uid !== 0 && state.dir.isMountPoint && state.dir.uid === 0 ? volumeOwnershipHint(dir, me.uid, me.gid) : `as root: \`chown -R ${me.uid}:${me.gid} ${dir}\``;
      return fail(id, `uid ${me.uid} cannot list ${dir} (${facts})`, hint, name);
    }
  }
}

async function probeCheck(name: string, dir: string, state: Extract<PathState, { kind: 'directory' | 'missing' }>, me: ProcessIdentity): Promise<CheckResult> {
  const id = `storage.${name}.write`;
  const target = state.kind === 'directory' ? state.dir : state.parent;
  const outcome = state.kind === 'directory' ? await writeProbe(dir) : await writeProbe(dir, target.path);
  if (outcome.ok) {
    const what = state.kind === 'directory' ? `created, wrote, fsynced, renamed and deleted a probe file in ${dir}` : `created and removed a probe directory in ${target.path}`;
    return pass(id, `${what} as uid ${me.uid}`, name);
  }
  const code = outcome.code ?? 'EIO';
  const hint = writeRefusedHint({
    path: dir,
    uid: me.uid,
    gid: me.gid,
    ownerUid: target.uid,
    ownerGid: target.gid,
    mode: target.mode,
    isMountPoint: target.isMountPoint,
    missing: state.kind === 'missing',
    refusedBy: target.path,
    code,
  });
  const verb = state.kind === 'missing' ? `cannot create ${dir} in ${target.path}` : `cannot write to ${dir}`;
  return fail(id, `${verb} as uid ${me.uid} (${outcome.step}: ${code}); ${target.path} is ${ownership(target)}${describeMount(target)}`, hint, name);
}

function ownership(dir: DirInfo): string {
  return `owner ${dir.uid}:${dir.gid}, mode ${formatMode(dir.mode)}`;
}
