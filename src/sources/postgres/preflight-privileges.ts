/**
 * Whether the connected role may read what pg_dump reads: USAGE on each schema, SELECT on each
 * table, partition and sequence (COPY and the sequence state need it), and no row-level security
 * in the way (pg_dump runs with row_security off and stops on such a table). The GRANT
 * statements that fix what is missing are built by a pure function.
 */
import type pg from 'pg';
import { quoteIdent } from './catalog.js';

export interface PrivilegeProblem {
  schema: string;
  name: string;
  kind: 'table' | 'sequence';
  /** What is missing: USAGE on the schema, SELECT on the object, or a row-level security policy applies. */
  missing: 'usage' | 'select' | 'rls';
}

export interface RoleInfo {
  role: string;
  superuser: boolean;
}

export async function roleInfo(client: pg.Client): Promise<RoleInfo> {
  const res = await client.query<{ role: string; superuser: boolean }>('SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user');
  return res.rows[0] ?? { role: 'unknown', superuser: false };
}

/** Objects pg_dump would read, in `schemas` (all non-system schemas when undefined), that the role may not. */
export async function findPrivilegeProblems(client: pg.Client, schemas?: readonly string[], excludeTables: readonly string[] = []): Promise<PrivilegeProblem[]> {
  const res = await client.query<{ schema: string; name: string; kind: string; usage: boolean; readable: boolean; rls: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
            has_schema_privilege(n.oid, 'USAGE') AS usage,
            CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT') ELSE has_table_privilege(c.oid, 'SELECT') END AS readable,
            (c.relrowsecurity AND NOT r.rolsuper AND NOT r.rolbypassrls
              AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE'))) AS rls
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_roles r ON r.rolname = current_user
      WHERE c.relkind IN ('r', 'p', 'S')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
      ORDER BY 1, 2`,
    [schemas ?? null],
  );
  const skip = new Set(excludeTables);
  const problems: PrivilegeProblem[] = [];
  for (const row of res.rows) {
    if (skip.has(row.name) || skip.has(`${row.schema}.${row.name}`)) continue;
    const kind = row.kind === 'S' ? 'sequence' : 'table';
    const missing = !row.usage ? 'usage' : !row.readable ? 'select' : row.rls ? 'rls' : undefined;
    if (missing) problems.push({ schema: row.schema, name: row.name, kind, missing });
  }
  return problems;
}

const LIST_LIMIT = 5;

/** Names for a message: the first few, then how many more. */
export function describeProblems(problems: readonly PrivilegeProblem[]): string {
  const names = problems.map((p) => `${p.schema}.${p.name}${p.missing === 'rls' ? ' (row-level security)' : ''}`);
  const more = names.length > LIST_LIMIT ? ` and ${names.length - LIST_LIMIT} more` : '';
  return names.slice(0, LIST_LIMIT).join(', ') + more;
}

/** The statements (run as the owner or a superuser) that let `role` read everything listed. */
export function grantStatements(role: string, problems: readonly PrivilegeProblem[], serverMajor?: number): string {
  const r = quoteIdent(role);
  const statements: string[] = [];
  const schemasWithoutUsage = [...new Set(problems.filter((p) => p.missing === 'usage').map((p) => p.schema))];
  for (const schema of schemasWithoutUsage) statements.push(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${r};`);
  for (const kind of ['table', 'sequence'] as const) {
    const unreadable = problems.filter((p) => p.kind === kind && p.missing !== 'rls');
    const bySchema = new Map<string, string[]>();
    for (const p of unreadable) bySchema.set(p.schema, [...(bySchema.get(p.schema) ?? []), p.name]);
    for (const [schema, names] of bySchema) {
      const target = kind === 'sequence' ? 'SEQUENCE ' : '';
      statements.push(
        names.length > LIST_LIMIT
          ? `GRANT SELECT ON ALL ${kind === 'table' ? 'TABLES' : 'SEQUENCES'} IN SCHEMA ${quoteIdent(schema)} TO ${r};`
          : `GRANT SELECT ON ${target}${names.map((n) => `${quoteIdent(schema)}.${quoteIdent(n)}`).join(', ')} TO ${r};`,
      );
    }
  }
  if (problems.some((p) => p.missing === 'rls')) statements.push(`ALTER ROLE ${r} BYPASSRLS;`);
  const all = serverMajor !== undefined && serverMajor >= 14 ? ` (or, for every table at once: GRANT pg_read_all_data TO ${r};)` : '';
  return `as the tables' owner or a superuser: ${statements.join(' ')}${all}`;
}
