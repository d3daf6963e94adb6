/**
 * User triggers are switched off while a rows restore writes, inside its one transaction, and
 * switched back to their exact former state before COMMIT: a restore puts back the archived rows,
 * so a trigger must neither rewrite them (`updated_at = now()`) nor write rows elsewhere (an audit
 * log). Foreign keys keep being checked: their triggers are internal (tgisinternal) and untouched.
 *
 * Every relation of a partition tree is handled on its own (ALTER TABLE ONLY): rows are routed to
 * the partitions, whose own and cloned triggers fire there. ALTER TABLE ... DISABLE TRIGGER takes
 * a SHARE ROW EXCLUSIVE lock, held until COMMIT: other sessions read the tables meanwhile but
 * their writes wait, so none of them ever runs without its triggers. Only enabled triggers are
 * touched, so a trigger the user disabled stays disabled, and ALWAYS/REPLICA ones keep their mode.
 * session_replication_role = replica would need a superuser and skips foreign-key checks too.
 */
import type pg from 'pg';
import { OrgbackupError, ExitCode } from '../../../errors.js';
import type { PlannedTable } from '../../rows/plan.js';
import { quoteIdent } from '../catalog.js';
import { tableRef } from './sql.js';

export interface UserTrigger {
  /** The relation, schema-qualified and quoted. */
  relation: string;
  name: string;
  /** pg_trigger.tgenabled: O (origin/local), A (always), R (replica). */
  enabled: 'O' | 'A' | 'R';
  owned: boolean;
}

/** The enabled user triggers of the tables and of all their partitions. */
export async function enabledUserTriggers(client: pg.Client, tables: readonly Pick<PlannedTable, 'schema' | 'name'>[]): Promise<UserTrigger[]> {
  const res = await client.query<{ relation: string; name: string; enabled: 'O' | 'A' | 'R'; owned: boolean }>(
    `SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relation, t.tgname AS name, t.tgenabled AS enabled, pg_has_role(c.relowner, 'USAGE') AS owned
       FROM unnest($1::text[]) AS x(name)
       -- pg_partition_tree lists nothing for a table that is not partitioned.
       CROSS JOIN LATERAL (SELECT x.name::regclass AS relid UNION SELECT p.relid FROM pg_partition_tree(x.name::regclass) p) AS tree
       JOIN pg_class c ON c.oid = tree.relid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_trigger t ON t.tgrelid = c.oid
      WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'
      ORDER BY 1, 2`,
    [tables.map(tableRef)],
  );
  return res.rows;
}

/** Disables the tables' enabled user triggers until `restoreTriggers`; refuses when it cannot. */
export async function disableUserTriggers(client: pg.Client, tables: readonly Pick<PlannedTable, 'schema' | 'name'>[]): Promise<UserTrigger[]> {
  const triggers = await enabledUserTriggers(client, tables);
  const foreign = triggers.filter((t) => !t.owned);
  if (foreign.length > 0) {
    const names = [...new Set(foreign.map((t) => t.relation))];
    throw new OrgbackupError(
      `the restoring role cannot switch off the triggers of ${names.join(', ')} (it does not own them), and they would change the restored rows; nothing was restored`,
      ExitCode.failed,
      {
        hint: "restore as the tables' owner (or a member of the owning role)",
      },
    );
  }
  for (const t of triggers) await client.query(`ALTER TABLE ONLY ${t.relation} DISABLE TRIGGER ${quoteIdent(t.name)}`);
  return triggers;
}

const ENABLE: Record<UserTrigger['enabled'], string> = { O: 'ENABLE', A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA' };

/** Puts each trigger back in the state it had before `disableUserTriggers`. */
export async function restoreTriggers(client: pg.Client, triggers: readonly UserTrigger[]): Promise<void> {
  for (const t of triggers) await client.query(`ALTER TABLE ONLY ${t.relation} ${ENABLE[t.enabled]} TRIGGER ${quoteIdent(t.name)}`);
}
