/**
 * `create --at` and `restore --at`. create --at stores an ordinary tenant archive read from the
 * source as it was at that time (trigger `pitr`, `details.recoveredTo`); restore --at makes that
 * archive, then restores it with everything restore guarantees (verification, safety backup, one
 * transaction, conflict modes, --only, --target, dry run, confirmation).
 */
import type { Context } from '../context.js';
import { ExitCode, OrgbackupError, UsageError } from '../errors.js';
import { runCreate, type CreateOptions, type CreateResult } from '../commands/create.js';
import { runRestore, type RestoreCommandResult, type RestoreOptions } from '../commands/restore.js';
import { selectSourceNames } from '../sources/registry.js';
import { parseAt } from './at-time.js';
import { withRecoveredSource } from './recovered-source.js';

export async function runCreateAt(options: CreateOptions & { at: string }, ctx: Context): Promise<CreateResult> {
  const names = selectSourceNames(ctx.config, options.source);
  if (names.length !== 1) throw new UsageError('--at needs exactly one --source', { hint: 'a point-in-time read recovers one source: add --source <name>' });
  if (options.dryRun) throw new UsageError('--at cannot be combined with --dry-run', { hint: 'orgbackup preflight --for create checks the source; --at then needs the physical restore itself' });
  const at = parseAt(options.at, ctx.now());
  return withRecoveredSource(ctx, names[0]!, at, (config, progress) =>
    runCreate({ ...options, source: names, trigger: 'pitr', details: { recoveredTo: at.toISOString() } }, { ...ctx, config, progress }),
  );
}

export async function runRestoreAt(options: Omit<RestoreOptions, 'archive'> & { at: string }, ctx: Context): Promise<RestoreCommandResult & { recoveredTo: string }> {
  if (!options.source || !options.tenant) throw new UsageError('restore --at needs --source and --tenant', { hint: 'e.g. orgbackup restore --at "2h ago" --source app --tenant 42' });
  const at = parseAt(options.at, ctx.now());
  const created = await runCreateAt({ source: [options.source], tenant: [options.tenant], at: options.at, ...(options.storage ? { storage: options.storage } : {}) }, ctx);
  const archive = created.archives.find((a) => a.status === 'ok' || a.status === 'partial');
  if (!archive) {
    const failed = created.archives[0];
    if (!failed) {
      throw new OrgbackupError(
        `tenant ${options.tenant} did not exist in source ${options.source} at ${at.toISOString()}: the tenants query found no such tenant in the recovered copy`,
        ExitCode.usage,
        {
          hint: 'check the tenant id and the time (list the tenants as they were with orgbackup create --at ... --dry-run is not possible; try an earlier or later --at)',
        },
      );
    }
    throw new OrgbackupError(`the tenant could not be read as of ${at.toISOString()}: ${failed.error ?? 'the archive was not stored'}`, ExitCode.failed, failed.hint ? { hint: failed.hint } : {});
  }
  ctx.log.info(`point-in-time: tenant ${options.tenant} as of ${at.toISOString()} is archive ${archive.id}; restoring it`, { event: 'pitr-archive', id: archive.id });
  const restored = await runRestore({ ...options, archive: archive.id }, ctx);
  return { ...restored, recoveredTo: at.toISOString() };
}
