/**
 * Before a restore replaces anything, a `pre-restore` archive of the tenant's current state is
 * written to the first default storage; restoring that id is the rollback.
 */
import { backupTenant } from '../backup/backup-tenant.js';
import type { Sidecar } from '../archive/manifest.js';
import type { Context } from '../context.js';
import { createEncryptor } from '../crypto/keys.js';
import { OrgbackupError, ExitCode } from '../errors.js';
import { selectStorageNames } from '../storage/registry.js';
import type { Source, Tenant } from '../sources/types.js';

export async function runSafetyBackup(source: Source, tenant: Tenant, _sidecar: Sidecar, ctx: Context): Promise<{ id: string; rollback: string } | undefined> {
  const exists = await tenantExists(source, tenant, ctx);
  if (!exists) {
    ctx.log.info(`no safety backup: tenant ${tenant.id} of ${source.name} has nothing to replace yet`);
    return undefined;
  }
  const storageName = selectStorageNames(ctx.config, undefined)[0]!;
  const storage = await ctx.storage(storageName);
  const encryptor = await createEncryptor(ctx.config, { source: source.name, tenant: tenant.id });
  const result = await backupTenant(source, tenant, [storage], { trigger: 'pre-restore', labels: {}, encryptor, compression: ctx.config.defaults.compression }, ctx);
  if (result.status !== 'ok') {
    throw new OrgbackupError(`the safety backup of ${source.name}/${tenant.id} failed, so nothing was restored: ${result.error ?? 'unknown error'}`, ExitCode.failed, {
      hint: 'fix the cause, or pass --no-safety-backup to restore without one',
    });
  }
  const rollback = `orgbackup restore ${result.id} --storage ${storageName} --no-safety-backup --yes`;
  ctx.log.info(`safety backup ${result.id} taken; to roll back: ${rollback}`, { event: 'safety-backup', id: result.id });
  return { id: result.id, rollback };
}

/** Whether there is something to back up (a dropped database has nothing). */
async function tenantExists(source: Source, tenant: Tenant, ctx: Context): Promise<boolean> {
  try {
    if (source.tenantExists) return await source.tenantExists(tenant, ctx.signal);
    const tenants = await source.discoverTenants(ctx.signal);
    return tenants.some((t) => t.id === tenant.id);
  } catch {
    return false;
  }
}
