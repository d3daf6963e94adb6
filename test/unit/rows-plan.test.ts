import { describe, expect, it } from 'vitest';
import { checkSubset, loadOrder, matchesTable, pathToAnchor, planRows, type PlanForeignKey, type PlanInput, type PlanTableInput } from '../../src/sources/rows/plan.js';

const table = (name: string, columns: string[], pk = ['id'], nullable: string[] = []): PlanTableInput => {
  const [schema, bare] = name.includes('.') ? (name.split('.') as [string, string]) : ['public', name];
  return { schema, name: bare, columns: columns.map((c) => ({ name: c, nullable: nullable.includes(c) })), primaryKey: pk };
};
const q = (name: string) => (name.includes('.') ? name : `public.${name}`);
const fk = (from: string, columns: string[], to: string, refs: string[] = ['id'], deferrable = false): PlanForeignKey => ({
  name: `${from}_${columns.join('_')}_fkey`,
  table: q(from),
  columns,
  references: q(to),
  referencedColumns: refs,
  deferrable,
});

/** The bench fixture's shape: every table but organizations carries org_id. */
const saas: PlanInput = {
  column: 'org_id',
  tables: [
    table('organizations', ['id', 'slug', 'name']),
    table('departments', ['id', 'org_id', 'name']),
    table('users', ['id', 'org_id', 'department_id', 'email'], ['id'], ['department_id']),
    table('issues', ['id', 'org_id', 'asset_id', 'reporter_id']),
    table('assets', ['id', 'org_id', 'owner_id']),
    table('issue_comments', ['id', 'issue_id', 'body']),
    table('comment_reactions', ['id', 'comment_id', 'emoji']),
    table('countries', ['code', 'name'], ['code']),
  ],
  foreignKeys: [
    fk('departments', ['org_id'], 'organizations'),
    fk('users', ['org_id'], 'organizations'),
    fk('users', ['department_id'], 'departments'),
    fk('assets', ['org_id'], 'organizations'),
    fk('assets', ['owner_id'], 'users'),
    fk('issues', ['org_id'], 'organizations'),
    fk('issues', ['asset_id'], 'assets'),
    fk('issues', ['reporter_id'], 'users'),
    fk('issue_comments', ['issue_id'], 'issues'),
    fk('comment_reactions', ['comment_id'], 'issue_comments'),
  ],
};

/** Pagila by store_id: customer, inventory and staff have the column; rental and payment reach them. */
const pagila: PlanInput = {
  column: 'store_id',
  tables: [
    table('store', ['store_id', 'address_id'], ['store_id']),
    table('staff', ['staff_id', 'store_id', 'address_id'], ['staff_id']),
    table('customer', ['customer_id', 'store_id', 'address_id'], ['customer_id']),
    table('inventory', ['inventory_id', 'film_id', 'store_id'], ['inventory_id']),
    table('rental', ['rental_id', 'inventory_id', 'customer_id', 'staff_id'], ['rental_id']),
    table('payment', ['payment_id', 'customer_id', 'staff_id', 'rental_id', 'payment_date'], ['payment_date', 'payment_id']),
    table('address', ['address_id', 'city_id'], ['address_id']),
    table('city', ['city_id'], ['city_id']),
    table('film', ['film_id'], ['film_id']),
  ],
  foreignKeys: [
    fk('staff', ['store_id'], 'store', ['store_id']),
    fk('staff', ['address_id'], 'address', ['address_id']),
    fk('customer', ['store_id'], 'store', ['store_id']),
    fk('customer', ['address_id'], 'address', ['address_id']),
    fk('inventory', ['store_id'], 'store', ['store_id']),
    fk('inventory', ['film_id'], 'film', ['film_id']),
    fk('rental', ['inventory_id'], 'inventory', ['inventory_id']),
    fk('rental', ['customer_id'], 'customer', ['customer_id']),
    fk('rental', ['staff_id'], 'staff', ['staff_id']),
    fk('payment', ['customer_id'], 'customer', ['customer_id']),
    fk('payment', ['staff_id'], 'staff', ['staff_id']),
    fk('payment', ['rental_id'], 'rental', ['rental_id']),
    fk('store', ['address_id'], 'address', ['address_id']),
    fk('address', ['city_id'], 'city', ['city_id']),
  ],
};

const roles = (input: PlanInput) => Object.fromEntries(planRows(input).tables.map((t) => [t.table, t.role]));
const order = (input: PlanInput) => planRows(input).tables.map((t) => t.table);
const before = (list: string[], a: string, b: string) => list.indexOf(q(a)) < list.indexOf(q(b));

describe('planRows roles', () => {
  it.each([
    ['saas organizations', saas, 'organizations', 'root'],
    ['saas departments', saas, 'departments', 'tenant'],
    ['saas issues', saas, 'issues', 'tenant'],
    ['saas issue_comments', saas, 'issue_comments', 'child'],
    ['saas comment_reactions (two hops)', saas, 'comment_reactions', 'child'],
    ['pagila store (has store_id)', pagila, 'store', 'tenant'],
    ['pagila customer', pagila, 'customer', 'tenant'],
    ['pagila rental', pagila, 'rental', 'child'],
    ['pagila payment', pagila, 'payment', 'child'],
  ])('%s', (_label, input, name, role) => {
    expect(roles(input)[q(name)]).toBe(role);
  });

  it.each([
    ['saas', saas, ['public.countries']],
    ['pagila', pagila, ['public.address', 'public.city', 'public.film']],
  ])('%s shared tables are listed and not planned', (_label, input, shared) => {
    const plan = planRows(input);
    expect(plan.shared).toEqual(shared);
    for (const name of shared) expect(plan.tables.map((t) => t.table)).not.toContain(name);
  });

  it.each([
    ['root filter compares the referenced column', saas, 'organizations', 'id'],
    ['tenant filter compares the tenant column', saas, 'users', 'org_id'],
    ['pagila store filters by its own store_id', pagila, 'store', 'store_id'],
  ])('%s', (_label, input, name, column) => {
    expect(planRows(input).tables.find((t) => t.table === q(name))?.filterColumn).toBe(column);
  });
});

describe('child paths', () => {
  it.each([
    ['comment_reactions -> issue_comments -> issues', saas, 'comment_reactions', ['comment_reactions', 'issue_comments', 'issues']],
    // NOT NULL keys are preferred, then names: customer_id comes before rental_id/staff_id.
    ['payment -> customer', pagila, 'payment', ['payment', 'customer']],
    ['rental -> customer', pagila, 'rental', ['rental', 'customer']],
  ])('%s', (_label, input, name, path) => {
    expect(pathToAnchor(planRows(input), q(name)).map((t) => t.name)).toEqual(path);
  });

  it('prefers a NOT NULL foreign key over a nullable one with an earlier name', () => {
    const input: PlanInput = {
      column: 'org_id',
      tables: [table('a', ['id', 'org_id']), table('b', ['id', 'org_id']), table('c', ['id', 'a_id', 'b_id'], ['id'], ['a_id'])],
      foreignKeys: [fk('c', ['a_id'], 'a'), fk('c', ['b_id'], 'b')],
    };
    expect(planRows(input).tables.find((t) => t.name === 'c')?.via?.references).toBe('public.b');
  });

  it('reaches children of the root table too', () => {
    const input: PlanInput = {
      column: 'org_id',
      tables: [table('orgs', ['id']), table('users', ['id', 'org_id']), table('org_settings', ['id', 'organization_id'])],
      foreignKeys: [fk('users', ['org_id'], 'orgs'), fk('org_settings', ['organization_id'], 'orgs')],
    };
    expect(roles(input)).toEqual({ 'public.orgs': 'root', 'public.users': 'tenant', 'public.org_settings': 'child' });
  });
});

describe('load order', () => {
  it.each([
    [
      'saas',
      saas,
      [
        ['organizations', 'departments'],
        ['departments', 'users'],
        ['users', 'assets'],
        ['assets', 'issues'],
        ['issues', 'issue_comments'],
        ['issue_comments', 'comment_reactions'],
      ],
    ],
    [
      'pagila',
      pagila,
      [
        ['store', 'staff'],
        ['store', 'customer'],
        ['inventory', 'rental'],
        ['customer', 'rental'],
        ['staff', 'rental'],
        ['rental', 'payment'],
      ],
    ],
  ])('%s loads parents before children', (_label, input, pairs) => {
    const list = order(input);
    for (const [a, b] of pairs as [string, string][]) expect(before(list, a, b), `${a} before ${b} in ${list.join(', ')}`).toBe(true);
  });

  it.each([
    ['non-deferrable cycle', false],
    ['deferrable cycle', true],
  ])('reports a %s', (_label, deferrable) => {
    const fks = [fk('a', ['b_id'], 'b', ['id'], deferrable), fk('b', ['a_id'], 'a', ['id'], deferrable), fk('c', ['a_id'], 'a')];
    const result = loadOrder(['public.a', 'public.b', 'public.c'], fks);
    expect(result.cycles).toEqual([{ tables: ['public.a', 'public.b'], foreignKeys: fks.slice(0, 2), deferrable }]);
    expect(result.order).toEqual(['public.a', 'public.b', 'public.c']);
  });

  it('ignores self references', () => {
    const result = loadOrder(['public.users'], [fk('users', ['manager_id'], 'users')]);
    expect(result).toEqual({ order: ['public.users'], cycles: [] });
  });
});

describe('include and exclude', () => {
  it.each([
    ['exclude by bare name', { exclude: ['notifications'] }, 'public.notifications', 'excluded'],
    ['exclude by qualified name', { exclude: ['public.notifications'] }, 'public.notifications', 'excluded'],
    ['include leaves others out', { include: ['organizations', 'users'] }, 'public.notifications', 'excluded'],
    ['include keeps the listed', { include: ['organizations', 'users'] }, 'public.users', 'planned'],
    ['nothing set', {}, 'public.notifications', 'planned'],
  ])('%s', (_label, lists, name, expected) => {
    const input: PlanInput = {
      column: 'org_id',
      tables: [table('organizations', ['id']), table('users', ['id', 'org_id']), table('notifications', ['id', 'org_id'])],
      foreignKeys: [fk('users', ['org_id'], 'organizations'), fk('notifications', ['org_id'], 'organizations')],
      ...lists,
    };
    const plan = planRows(input);
    const state = plan.excluded.includes(name) ? 'excluded' : plan.tables.some((t) => t.table === name) ? 'planned' : 'shared';
    expect(state).toBe(expected);
  });

  it('does not reach a child through an excluded table', () => {
    expect(roles({ ...saas, exclude: ['issues'] })).not.toHaveProperty('public.issue_comments');
  });
});

describe('--only subsets', () => {
  const plan = planRows(saas);
  it.each([
    ['closed subset', ['organizations', 'departments'], [], []],
    ['child without its parent', ['issue_comments'], [{ table: 'public.issue_comments', needs: ['public.issues'] }], []],
    ['users without departments and organizations', ['users'], [{ table: 'public.users', needs: ['public.departments', 'public.organizations'] }], []],
    ['unknown table', ['nope', 'organizations'], [], ['nope']],
  ])('%s', (_label, only, missing, unknown) => {
    const result = checkSubset(plan, only);
    expect(result.missing).toEqual(missing);
    expect(result.unknown).toEqual(unknown);
  });

  it('returns the chosen tables in load order', () => {
    expect(checkSubset(plan, ['users', 'organizations', 'departments']).tables.map((t) => t.name)).toEqual(['organizations', 'departments', 'users']);
  });
});

describe('matchesTable', () => {
  it.each([
    ['users', 'public', 'users', true],
    ['public.users', 'public', 'users', true],
    ['crm.users', 'public', 'users', false],
    ['user', 'public', 'users', false],
  ])('%s vs %s.%s', (pattern, schema, name, expected) => {
    expect(matchesTable(pattern, { schema, name })).toBe(expected);
  });
});
