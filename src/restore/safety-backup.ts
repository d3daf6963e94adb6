/**
 * Before a restore replaces anything, a `pre-restore` archive of the tenant as it is now is
 * written to the first default storage; restoring that id is the rollback. If it cannot be taken
 * the restore does not start: a rollback that does not exist is worse than a restore that waits.
 */
import { backupTenant } from '../backup/backup-tenant.js';
import { SAFETY_BACKUP_TRIGGER } from '../archive/catalog.js';
import type { Sidecar } from '../archive/manifest.js';
import type { Context } from '../context.js';
import { createEncryptor } from '../crypto/keys.js';
import { OrgbackupError, ExitCode } from '../errors.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Source, Tenant } from '../sources/types.js';

export interface SafetyBackup {
  id: string;
  /** The command that puts the tenant back as it was before the restore. */
  rollback: string;
}

export interface SafetyOptions {
  /** rows mode --only: the restore replaces these tables only; the safety backup still holds the whole tenant. */
  only?: string[];
  /** The restore was forced over a differing schema: its rollback must be forced back too. */
  force?: boolean;
}

export async function runSafetyBackup(source: Source, tenant: Tenant, sidecar: Sidecar, options: SafetyOptions, ctx: Context): Promise<SafetyBackup | undefined> {
  if (!(await tenantExists(source, tenant, ctx))) {
    ctx.log.info(`no safety backup: tenant ${tenant.id} of ${source.name} has nothing to replace yet`, { event: 'safety-backup', skipped: true });
    return undefined;
  }
  const storageName = selectStorageNames(ctx.config, undefined)[0]!;
  const storage = await ctx.storage(storageName);
  const encryptor = await createEncryptor(ctx.config, { source: source.name, tenant: tenant.id, baseDir: ctx.baseDir });
  ctx.log.info(`taking a pre-restore safety backup of ${source.name}/${tenant.id} into storage "${storageName}"`, { event: 'safety-backup-start' });
  const labels = { 'restore-of': sidecar.id, ...(options.only?.length ? { 'restore-only': options.only.join(',') } : {}) };
  const result = await backupTenant(source, tenant, [storage], { trigger: SAFETY_BACKUP_TRIGGER, labels, encryptor, compression: ctx.config.defaults.compression }, ctx);
  if (result.status !== 'ok') {
    throw new OrgbackupError(`the safety backup of ${source.name}/${tenant.id} failed, so nothing was restored: ${result.error ?? 'unknown error'}`, ExitCode.failed, {
      hint: result.hint ?? 'fix the cause, or pass --no-safety-backup to restore without one',
    });
  }
  const rollback = rollbackCommand(result.id, storageName, ctx.configPath, !!options.force);
  ctx.log.info(`safety backup ${result.id} taken; to roll back: ${rollback}`, { event: 'safety-backup', id: result.id, rollback });
  return { id: result.id, rollback };
}

/** A copy-pasteable command; the config path is quoted for a POSIX shell when it needs it. */
export function rollbackCommand(id: string, storage: string, configPath: string | undefined, force: boolean): string {
  const quote = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const config = configPath ? ` -c ${quote(configPath)}` : '';
  return `orgbackup${config} restore ${quote(id)} --storage ${quote(storage)} --no-safety-backup${force ? ' --force' : ''} --yes`;
}

/** Whether there is something to back up (a dropped database has nothing). Errors propagate: a
 *  source we cannot even look at must not be restored over without a safety backup. */
async function tenantExists(source: Source, tenant: Tenant, ctx: Context): Promise<boolean> {
  if (source.tenantExists) return source.tenantExists(tenant, ctx.signal);
  const tenants = await source.discoverTenants(ctx.signal);
  return tenants.some((t) => t.id === tenant.id);
}
