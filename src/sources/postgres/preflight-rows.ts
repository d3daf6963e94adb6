/**
 * A rows-mode PostgreSQL source: the rows plan can be made from the catalog (the tenant column
 * exists, no planned table holds large object ids, see rows/dump.ts), and a foreign-key cycle
 * between planned tables that is not DEFERRABLE is warned about, with the fix: backups work,
 * but a tenant deleted from the database could not be restored.
 */
import { errorMessage } from '../../errors.js';
import type { PostgresSource } from './source.js';
import type { PgConnection } from './connection.js';
import { pathChecks } from '../checks/rows-paths.js';
import { hintOf } from '../checks/common.js';
import { fail, pass, warn, type CheckResult } from '../checks/result.js';

export async function rowsPlanCheck(source: PostgresSource, conn: PgConnection): Promise<CheckResult[]> {
  const { withPgClient } = await import('./connection.js');
  const { planForSource } = await import('./rows/dump.js');
  const { blockingCycleKeys, deferrableFixes, describeCycleKeys } = await import('./rows/cycles.js');
  const id = `source.${source.name}.rows-plan`;
  let plan;
  try {
    plan = await withPgClient(conn, (client) => planForSource(client, source.config));
  } catch (error) {
    return [fail(id, errorMessage(error), hintOf(error, undefined), source.name)];
  }
  const checks = [pass(id, `rows plan: ${plan.tables.length} table(s) copied per tenant, ${plan.shared.length} shared`, source.name), ...pathChecks(source.name, plan)];
  const keys = blockingCycleKeys(plan);
  if (keys.length > 0) {
    checks.push(
      warn(
        `source.${source.name}.rows-cycles`,
        `foreign keys ${describeCycleKeys(keys)} form a cycle and are not DEFERRABLE: a tenant deleted from the database could not be restored from its rows archives`,
        deferrableFixes(keys).join(' '),
        source.name,
      ),
    );
  }
  return checks;
}
