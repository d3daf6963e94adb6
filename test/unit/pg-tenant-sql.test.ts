import { describe, expect, it } from 'vitest';
import { planRows, type PlanInput } from '../../src/sources/rows/plan.js';
import { copyOutSql, keyEquals, tenantPredicate } from '../../src/sources/postgres/rows/sql.js';
import { literalSchemaPattern, swapStatements } from '../../src/sources/postgres/schema-mode.js';

const cols = (...names: string[]) => names.map((name) => ({ name, nullable: false }));
const input: PlanInput = {
  column: 'org_id',
  tables: [
    { schema: 'public', name: 'orgs', columns: cols('id'), primaryKey: ['id'] },
    { schema: 'public', name: 'issues', columns: cols('id', 'org_id'), primaryKey: ['id'] },
    { schema: 'public', name: 'comments', columns: cols('id', 'issue_id'), primaryKey: ['id'] },
    { schema: 'app"x', name: 'votes', columns: cols('a', 'b', 'v'), primaryKey: ['a', 'b'] },
  ],
  foreignKeys: [
    { name: 'f1', table: 'public.issues', columns: ['org_id'], references: 'public.orgs', referencedColumns: ['id'], deferrable: false },
    { name: 'f2', table: 'public.comments', columns: ['issue_id'], references: 'public.issues', referencedColumns: ['id'], deferrable: false },
    { name: 'f3', table: 'app"x.votes', columns: ['a', 'b'], references: 'public.comments', referencedColumns: ['id', 'issue_id'], deferrable: false },
  ],
};
const plan = planRows(input);
const table = (name: string) => plan.tables.find((t) => t.name === name)!;

describe('tenantPredicate', () => {
  it.each([
    ['root', 'orgs', `t."id" = '7'`],
    ['tenant', 'issues', `t."org_id" = '7'`],
    ['child', 'comments', `t."issue_id" IN (SELECT p1."id" FROM "public"."issues" p1 WHERE p1."org_id" = '7')`],
    [
      'grandchild with a composite key and a quoted schema',
      'votes',
      `(t."a", t."b") IN (SELECT p1."id", p1."issue_id" FROM "public"."comments" p1 WHERE p1."issue_id" IN (SELECT p2."id" FROM "public"."issues" p2 WHERE p2."org_id" = '7'))`,
    ],
  ])('%s', (_label, name, expected) => {
    expect(tenantPredicate(plan, table(name), 't', `'7'`)).toBe(expected);
  });

  it('puts the escaped literal in the COPY query as is', () => {
    expect(copyOutSql(plan, table('issues'), `'a''b'`)).toBe(`COPY (SELECT t0."id", t0."org_id" FROM "public"."issues" t0 WHERE t0."org_id" = 'a''b') TO STDOUT`);
  });

  it.each([
    [['id'], 's."id" = t."id"'],
    [['a', 'b'], 's."a" = t."a" AND s."b" = t."b"'],
  ])('keyEquals %j', (key, expected) => {
    expect(keyEquals(key, 's', 't')).toBe(expected);
  });
});

describe('schema mode SQL', () => {
  it.each([
    ['t_a', '"t_a"'],
    ['t_*.x', '"t_*.x"'],
    ['we"ird', '"we""ird"'],
  ])('pg_dump --schema pattern for %s', (name, expected) => {
    expect(literalSchemaPattern(name)).toBe(expected);
  });

  it.each([
    ['replace an existing schema', 's', 's', true, 'BEGIN;\nALTER SCHEMA "s" RENAME TO "h";\n', '\nDROP SCHEMA "h" CASCADE;\nCOMMIT;\n'],
    ['create a missing schema', 's', 's', false, 'BEGIN;\n', '\nCOMMIT;\n'],
    ['clone beside an existing schema', 's', 'c', true, 'BEGIN;\nALTER SCHEMA "s" RENAME TO "h";\n', '\nALTER SCHEMA "s" RENAME TO "c";\nALTER SCHEMA "h" RENAME TO "s";\nCOMMIT;\n'],
    ['clone when the original is gone', 's', 'c', false, 'BEGIN;\n', '\nALTER SCHEMA "s" RENAME TO "c";\nCOMMIT;\n'],
  ])('%s', (_label, schema, into, existed, preamble, postamble) => {
    expect(swapStatements(schema, into, existed, 'h')).toEqual({ preamble, postamble });
  });
});
