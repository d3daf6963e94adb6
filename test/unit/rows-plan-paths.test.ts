import { describe, expect, it } from 'vitest';
import { describeTenantPath, planRows, type PlanForeignKey, type PlanInput, type PlanTableInput } from '../../src/sources/rows/plan.js';
import { UsageError } from '../../src/errors.js';

const table = (name: string, columns: string[], pk = ['id'], nullable: string[] = []): PlanTableInput => ({
  schema: 'public',
  name,
  columns: columns.map((c) => ({ name: c, nullable: nullable.includes(c) })),
  primaryKey: pk,
});
const fk = (from: string, columns: string[], to: string, name = `${from}_${columns.join('_')}_fkey`): PlanForeignKey => ({
  name,
  table: `public.${from}`,
  columns,
  references: `public.${to}`,
  referencedColumns: ['id'],
  deferrable: false,
});

/** Pagila's shape: payment reaches a table with store_id through three NOT NULL keys. */
const base: PlanInput = {
  column: 'store_id',
  tables: [
    table('store', ['id', 'store_id']),
    table('staff', ['id', 'store_id']),
    table('customer', ['id', 'store_id']),
    table('inventory', ['id', 'store_id']),
    table('rental', ['id', 'inventory_id', 'customer_id', 'staff_id']),
    table('payment', ['id', 'customer_id', 'staff_id', 'rental_id', 'amount', 'note_id'], ['id'], ['note_id']),
    table('note', ['id', 'body']),
    table('film', ['id', 'title']),
    table('film_review', ['id', 'film_id']),
  ],
  foreignKeys: [
    fk('rental', ['inventory_id'], 'inventory'),
    fk('rental', ['customer_id'], 'customer'),
    fk('rental', ['staff_id'], 'staff'),
    fk('payment', ['customer_id'], 'customer'),
    fk('payment', ['staff_id'], 'staff'),
    fk('payment', ['rental_id'], 'rental', 'a_payment_rental'),
    fk('payment', ['note_id'], 'note'),
    fk('payment', ['amount', 'note_id'], 'note', 'payment_composite'),
    fk('film_review', ['film_id'], 'film'),
  ],
};
const withPaths = (paths: PlanInput['paths']): PlanInput => ({ ...base, paths });
const pathOf = (input: PlanInput, t: string) => describeTenantPath(planRows(input), `public.${t}`);

describe('tenant paths: the tie-break (shortest, then NOT NULL, then constraint name)', () => {
  it.each([
    // one hop beats a two-hop key with an earlier name (a_payment_rental via rental)
    [
      'payment: shortest, then name among the tied one-hop keys',
      base,
      'payment',
      'public.payment -> customer_id -> public.customer.store_id (tie with payment_staff_id_fkey, broken by constraint name)',
    ],
    [
      'rental: three tied one-hop keys',
      base,
      'rental',
      'public.rental -> customer_id -> public.customer.store_id (tie with rental_inventory_id_fkey, rental_staff_id_fkey, broken by constraint name)',
    ],
    ['a tenant table', base, 'customer', 'public.customer.store_id'],
    [
      'the same for the keys listed in another order',
      { ...base, foreignKeys: [...base.foreignKeys].reverse() },
      'payment',
      'public.payment -> customer_id -> public.customer.store_id (tie with payment_staff_id_fkey, broken by constraint name)',
    ],
  ])('%s', (_name, input, t, expected) => {
    expect(pathOf(input, t)).toBe(expected);
  });
});

describe('tenants.paths chooses the key', () => {
  it.each([
    ['by column', { payment: 'staff_id' }, 'payment', 'public.payment -> staff_id -> public.staff.store_id'],
    ['by column list', { payment: ['staff_id'] }, 'payment', 'public.payment -> staff_id -> public.staff.store_id'],
    ['by constraint name, a longer path', { payment: 'a_payment_rental' }, 'payment', 'public.payment -> rental_id -> public.rental -> customer_id -> public.customer.store_id'],
    [
      'qualified key, and along a chosen parent',
      { 'public.rental': 'inventory_id', payment: 'rental_id' },
      'payment',
      'public.payment -> rental_id -> public.rental -> inventory_id -> public.inventory.store_id',
    ],
  ])('%s', (_name, paths, t, expected) => {
    expect(pathOf(withPaths(paths), t)).toBe(expected);
  });

  it.each([
    ['an unknown table', { invoices: 'customer_id' }, 'tenants.paths.invoices: the table is not a table of the source'],
    ['an unknown column', { payment: 'shop_id' }, 'tenants.paths.payment: public.payment has no foreign key named or over shop_id'],
    ['a column without a foreign key', { payment: 'amount' }, 'tenants.paths.payment: public.payment has no foreign key named or over amount'],
    [
      'a key that does not lead to the tenant',
      { payment: 'note_id' },
      'tenants.paths.payment: the foreign key payment_note_id_fkey (note_id) of public.payment leads to public.note, which does not reach the tenant',
    ],
    ['a table with the tenant column', { customer: 'store_id' }, 'tenants.paths.customer: public.customer has the tenant column store_id itself and needs no path'],
    ['a table the plan leaves out', { film_review: 'film_id' }, 'tenants.paths.film_review: the table is left out by tenants.includeTables/excludeTables'],
  ])('%s: a usage error naming the key', (_name, paths, message) => {
    const input = { ...withPaths(paths), exclude: ['film_review'] };
    let caught: unknown;
    try {
      planRows(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(message);
  });
});
