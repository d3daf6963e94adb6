/**
 * `--target` is for inspecting or cloning a tenant into a new place. A target that already holds
 * tables or files would be overwritten without a safety backup (that covers the tenant's own
 * place only), so it is refused unless --force. Rows mode is exempt: there the target database
 * holds other tenants by design, and --conflict decides about the tenant's own rows.
 */
import type { Sidecar } from '../archive/manifest.js';
import { OrgbackupError, ExitCode } from '../errors.js';
import { safeUrl } from '../redact.js';
import type { Source, Tenant } from '../sources/types.js';

/**
 * Throws when the target is occupied and not forced; returns a warning when it is occupied and
 * forced, or (`report`, for --dry-run) when a real run would refuse.
 */
export async function guardTarget(source: Source, tenant: Tenant, sidecar: Sidecar, target: string, force: boolean, signal: AbortSignal, report = false): Promise<string | undefined> {
  if (sidecar.tenant.mode === 'rows') return undefined;
  const holds = await occupied(source, tenant, sidecar, target, signal);
  if (!holds) return undefined;
  const where = safeUrl(target);
  if (report && !force) return `--target ${where} ${holds}: the restore refuses it without --force`;
  if (force) return `--force: ${where} ${holds}; its contents are replaced without a safety backup`;
  throw new OrgbackupError(`refusing to restore into --target ${where}: it ${holds}, and --target never takes a safety backup; nothing was touched`, ExitCode.failed, {
    hint: 'choose a new database, schema or directory, or pass --force to replace what is there',
  });
}

/** A description of what the target holds, or undefined when it is new or empty. */
async function occupied(source: Source, tenant: Tenant, sidecar: Sidecar, target: string, signal: AbortSignal): Promise<string | undefined> {
  if (source.describeTarget) return source.describeTarget(target);
  const tables = source.currentTables ? await source.currentTables(tenant, sidecar, target, signal) : undefined;
  return tables && tables.length > 0 ? `already holds ${tables.length} table(s)` : undefined;
}
