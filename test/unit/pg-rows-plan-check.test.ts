/** The PostgreSQL rows restore's check that an archived plan fits the target's catalog (pure logic). */
import { describe, expect, it } from 'vitest';
import { planRows, type PlanForeignKey, type PlanTableInput, type PlannedTable, type RowsPlan } from '../../src/sources/rows/plan.js';
import { predicateProblem } from '../../src/sources/postgres/rows/plan-check.js';
import type { RowsCatalog } from '../../src/sources/postgres/rows/catalog.js';

const table = (name: string, columns: string[]): PlanTableInput => ({ schema: 'public', name, columns: columns.map((c) => ({ name: c, nullable: false })), primaryKey: ['id'] });
const fk = (from: string, columns: string[], to: string): PlanForeignKey => ({
  name: `${from}_${columns.join('_')}_fkey`,
  table: `public.${from}`,
  columns,
  references: `public.${to}`,
  referencedColumns: ['id'],
  deferrable: false,
});

const catalog: RowsCatalog = {
  tables: [table('organizations', ['id', 'slug']), table('projects', ['id', 'org_id', 'lead_id']), table('tasks', ['id', 'project_id', 'parent_id']), table('notes', ['id', 'org_id', 'author_org'])],
  foreignKeys: [fk('projects', ['org_id'], 'organizations'), fk('tasks', ['project_id'], 'projects'), fk('tasks', ['parent_id'], 'tasks'), fk('notes', ['org_id'], 'organizations')],
};

/** Each case doctors a fresh plan; `problem` is what the check says about `table` (undefined: it fits). */
const CASES: { what: string; table: string; doctor?: (plan: RowsPlan, t: PlannedTable) => void; problem?: RegExp }[] = [
  { what: 'the plan as made', table: 'public.tasks' },
  { what: 'a root table as made', table: 'public.organizations' },
  { what: 'a tenant table filtered by another column', table: 'public.notes', doctor: (_, t) => (t.filterColumn = 'author_org'), problem: /filtered by author_org, not by the tenant column org_id/ },
  {
    what: 'a plan column other than the configured one',
    table: 'public.notes',
    doctor: (plan, t) => ((plan.column = 'author_org'), (t.filterColumn = 'author_org')),
    problem: /not by the tenant column org_id/,
  },
  {
    what: 'the filter column left out of the archived columns',
    table: 'public.projects',
    doctor: (_, t) => (t.columns = ['id', 'lead_id']),
    problem: /filter column org_id is not among its archived columns/,
  },
  { what: 'a root filtered by a column nothing references', table: 'public.organizations', doctor: (_, t) => (t.filterColumn = 'slug'), problem: /no org_id column references its slug/ },
  { what: 'a table turned into a root', table: 'public.notes', doctor: (_, t) => ((t.role = 'root'), (t.filterColumn = 'author_org')), problem: /no org_id column references its author_org/ },
  {
    what: 'a child through a foreign key the target lacks',
    table: 'public.tasks',
    doctor: (_, t) => (t.via = { ...t.via!, columns: ['id'] }),
    problem: /target has no foreign key public\.tasks\(id\) -> public\.projects\(id\)/,
  },
  { what: 'a child through its own self-reference (a loop)', table: 'public.tasks', doctor: (_, t) => (t.via = fk('tasks', ['parent_id'], 'tasks')), problem: /never reach a tenant table/ },
  { what: 'a child through a key to an unplanned table', table: 'public.tasks', doctor: (_, t) => (t.via = fk('tasks', ['project_id'], 'countries')), problem: /does not lead to a planned table/ },
  { what: 'a table the target lacks', table: 'public.notes', doctor: (_, t) => ((t.table = 'public.secrets'), (t.name = 'secrets')), problem: /target has no table public\.secrets/ },
  { what: 'an unknown role', table: 'public.notes', doctor: (_, t) => (t.role = 'owner' as PlannedTable['role']), problem: /role owner is unknown/ },
];

describe('predicateProblem (PostgreSQL rows restore)', () => {
  it.each(CASES)('$what', ({ table: name, doctor, problem }) => {
    const plan = planRows({ ...catalog, column: 'org_id' });
    const t = plan.tables.find((p) => p.table === name)!;
    doctor?.(plan, t);
    const found = predicateProblem(plan, t, catalog, 'org_id');
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});
