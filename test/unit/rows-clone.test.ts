/** restore --as: which columns of each table a clone rewrites, and which tables it refuses (rows/clone.ts). */
import { describe, expect, it } from 'vitest';
import { planClone, refuseOccupiedTenant, type GeneratedColumn } from '../../src/sources/rows/clone.js';
import { planRows, type PlanForeignKey, type PlanTableInput } from '../../src/sources/rows/plan.js';

const table = (name: string, columns: string[], pk: string[] = ['id']): PlanTableInput => ({ schema: 'public', name, columns: columns.map((c) => ({ name: c, nullable: false })), primaryKey: pk });
const fk = (from: string, columns: string[], to: string, refs: string[] = ['id']): PlanForeignKey => ({
  name: `${from}_${columns.join('_')}_fkey`,
  table: `public.${from}`,
  columns,
  references: `public.${to}`,
  referencedColumns: refs,
  deferrable: false,
});

const plan = planRows({
  column: 'org_id',
  tables: [
    table('organizations', ['id', 'slug']),
    table('departments', ['id', 'org_id', 'parent_id']),
    table('asset_tags', ['org_id', 'asset_id', 'tag'], ['org_id', 'asset_id', 'tag']),
    table('assets', ['id', 'org_id']),
    table('tag_votes', ['id', 'org_id', 'asset_id', 'tag']),
    table('comments', ['id', 'department_id', 'body']),
    table('licenses', ['id', 'org_id']),
    table('profiles', ['department_id', 'bio'], ['department_id']),
    table('log', ['org_id', 'line'], []),
  ],
  foreignKeys: [
    fk('departments', ['org_id'], 'organizations'),
    fk('departments', ['parent_id'], 'departments'),
    fk('assets', ['org_id'], 'organizations'),
    fk('asset_tags', ['asset_id'], 'assets'),
    fk('tag_votes', ['org_id', 'asset_id', 'tag'], 'asset_tags', ['org_id', 'asset_id', 'tag']),
    fk('comments', ['department_id'], 'departments'),
    fk('licenses', ['org_id'], 'organizations'),
    fk('profiles', ['department_id'], 'departments'),
    fk('log', ['org_id'], 'organizations'),
  ],
});
const serial = (...tables: string[]) => new Map<string, GeneratedColumn[]>(tables.map((t) => [`public.${t}`, [{ column: 'id', sequence: `${t}_id_seq` }]]));
const everySerial = serial('organizations', 'departments', 'assets', 'tag_votes', 'comments', 'licenses');
const byName = (name: string) => plan.tables.filter((t) => t.table !== 'public.licenses' || name === 'all');

describe('planClone', () => {
  const clones = new Map(planClone(plan, byName('all'), everySerial).map((c) => [c.table.name, c]));
  it.each([
    // table, tenant columns, generated, remapped foreign keys
    ['organizations', ['id'], [], []],
    ['departments', ['org_id'], ['id'], ['departments_parent_id_fkey']],
    ['asset_tags', ['org_id'], [], ['asset_tags_asset_id_fkey']],
    ['tag_votes', ['org_id'], ['id'], ['tag_votes_org_id_asset_id_tag_fkey']],
    ['comments', [], ['id'], ['comments_department_id_fkey']],
    ['profiles', [], [], ['profiles_department_id_fkey']],
    ['log', ['org_id'], [], []],
  ])('%s: tenant columns %j, new %j, references through %j', (name, tenant, generated, keys) => {
    const c = clones.get(name)!;
    expect(c.tenantColumns).toEqual(tenant);
    expect(c.generated.map((g) => g.column)).toEqual(generated);
    expect(c.foreignKeys.map((k) => k.name)).toEqual(keys);
  });

  it.each([
    ['a key without a sequence', byName('all'), serial('departments', 'assets', 'tag_votes', 'comments', 'organizations'), 'public.licenses (primary key id)'],
    ['a child keyed by a sequence the target lacks', byName('no licenses'), serial('departments', 'assets', 'tag_votes'), 'public.comments (primary key id)'],
  ])('refuses %s, naming the table', (_, chosen, generated, named) => {
    expect(() => planClone(plan, chosen, generated)).toThrow(`--as cannot give new keys to ${named}`);
  });

  it('keeps a reference to a table left out of the archive (--only) as it was', () => {
    const chosen = plan.tables.filter((t) => ['public.organizations', 'public.comments'].includes(t.table));
    const [, comments] = planClone(plan, chosen, everySerial);
    expect(comments!.foreignKeys).toEqual([]);
  });
});

describe('refuseOccupiedTenant', () => {
  it.each([
    [[], undefined],
    [[{ table: 'public.users', rows: 0 }], undefined],
    [
      [
        { table: 'public.users', rows: 3 },
        { table: 'public.assets', rows: 0 },
        { table: 'public.issues', rows: 1 },
      ],
      'tenant 9 already has rows in public.users (3), public.issues (1)',
    ],
  ])('%j -> %s', (found, message) => {
    if (message) expect(() => refuseOccupiedTenant('9', found)).toThrow(message);
    else expect(() => refuseOccupiedTenant('9', found)).not.toThrow();
  });
});
