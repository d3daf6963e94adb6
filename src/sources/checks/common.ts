/** Pieces the database source checks share (PostgreSQL, MySQL). */
import { errorMessage, isOrgbackupError } from '../../errors.js';
import type { Source, Tenant } from '../types.js';
import { fail, pass, type CheckResult } from './result.js';

/** Said of a problem that concerns one tenant: a warning, since the other tenants still run. */
export const TENANT_ONLY = 'this tenant will fail, the others are backed up';

/** The error's own hint when it has one (it names the fix), else the fallback. */
export function hintOf(error: unknown, fallback: string | undefined): string | undefined {
  return isOrgbackupError(error) && error.hint ? error.hint : fallback;
}

/** The tenants query (or match) runs: a failure there stops every tenant of the source. */
export async function tenantsCheck(source: Source, checks: CheckResult[], signal: AbortSignal): Promise<Tenant[] | undefined> {
  try {
    const tenants = await source.discoverTenants(signal);
    checks.push(pass(`source.${source.name}.tenants`, `${tenants.length} tenant(s) in mode ${source.mode}`, source.name));
    return tenants;
  } catch (error) {
    checks.push(fail(`source.${source.name}.tenants`, `cannot list the tenants: ${errorMessage(error)}`, hintOf(error, 'check the tenants settings of the source'), source.name));
    return undefined;
  }
}
