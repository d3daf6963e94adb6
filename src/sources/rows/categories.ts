/**
 * Categories of a rows source (`tenants.categories`: name -> tables): `create --category NAME`
 * backs up only that group plus the tenant tables it needs to be restored alone (parents reached
 * through NOT NULL foreign keys); a nullable foreign key to a tenant table outside the group makes
 * it impossible to restore alone, and it is refused naming that key. The archive's manifest records
 * which categories it holds (name -> qualified tables), so `restore --only NAME` needs no config.
 */
import { UsageError } from '../../errors.js';
import { matchesTable, qualifiedName, type PlanTableInput, type RowsPlan } from './plan.js';

/** Set on a copy of a source's config by `create --category`; a symbol, so no config file can set it. */
const SELECTED = Symbol('selected category');

type WithCategories = { tenants: { categories?: Record<string, string[]> } };

export function selectCategory<T extends WithCategories>(config: T, name: string): T {
  const categories = config.tenants.categories ?? {};
  if (!Object.hasOwn(categories, name)) {
    const known = Object.keys(categories);
    throw new UsageError(`--category ${name}: no such category in this source's tenants.categories`, {
      hint: known.length > 0 ? `categories: ${known.join(', ')}` : 'define tenants.categories in the source config',
    });
  }
  return { ...config, tenants: { ...config.tenants, [SELECTED]: name } };
}

export function selectedCategory(config: WithCategories): string | undefined {
  return (config.tenants as { [SELECTED]?: string })[SELECTED];
}

/** A category's tables resolved against the plan; a table the plan does not hold is refused by name. */
export function categoryTables(plan: RowsPlan, name: string, patterns: readonly string[]): string[] {
  const unknown = patterns.filter((p) => !plan.tables.some((t) => matchesTable(p, t)));
  if (unknown.length > 0) {
    throw new UsageError(`tenants.categories.${name}: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not tenant tables' : 'is not a tenant table'} of this source`, {
      hint: `tenant tables: ${plan.tables.map((t) => t.table).join(', ')}`,
    });
  }
  return plan.tables.filter((t) => patterns.some((p) => matchesTable(p, t))).map((t) => t.table);
}

/** The plan of one category: its tables and the parents they need, in the plan's load order. */
export function restrictToCategory(plan: RowsPlan, catalog: readonly PlanTableInput[], name: string, patterns: readonly string[]): RowsPlan {
  const chosen = new Set(categoryTables(plan, name, patterns));
  const columnsOf = new Map(catalog.map((t) => [qualifiedName(t), t.columns]));
  for (let grown = true; grown;) {
    grown = false;
    for (const fk of plan.foreignKeys) {
      if (!chosen.has(fk.table) || chosen.has(fk.references) || fk.table === fk.references) continue;
      const notNull = fk.columns.every((c) => columnsOf.get(fk.table)?.find((col) => col.name === c)?.nullable === false);
      if (!notNull) {
        throw new UsageError(`category ${name} cannot be restored alone: foreign key ${fk.name} (${fk.table}.${fk.columns.join(',')} -> ${fk.references}) is nullable and points outside it`, {
          hint: `add ${fk.references} to tenants.categories.${name}`,
        });
      }
      chosen.add(fk.references);
      grown = true;
    }
  }
  const keep = (t: string) => chosen.has(t);
  return {
    ...plan,
    tables: plan.tables.filter((t) => keep(t.table)),
    excluded: [...plan.excluded, ...plan.tables.filter((t) => !keep(t.table)).map((t) => t.table)].sort(),
    cycles: plan.cycles.filter((c) => c.tables.every(keep)),
    foreignKeys: plan.foreignKeys.filter((fk) => keep(fk.table) && keep(fk.references)),
    ...(plan.sharedKeys ? { sharedKeys: plan.sharedKeys.filter((fk) => keep(fk.table) || plan.shared.includes(fk.table)) } : {}),
  };
}

/**
 * The configured categories whose tables the plan holds in full: what the manifest records, each
 * with the archived tables it references (what `restore --only NAME` then restores with it).
 */
export function heldCategories(plan: RowsPlan, categories: Record<string, string[]> | undefined): Record<string, string[]> | undefined {
  if (!categories) return undefined;
  const held: Record<string, string[]> = {};
  for (const [name, patterns] of Object.entries(categories)) {
    if (!patterns.every((p) => plan.tables.some((t) => matchesTable(p, t)))) continue;
    const chosen = new Set(plan.tables.filter((t) => patterns.some((p) => matchesTable(p, t))).map((t) => t.table));
    for (let grown = true; grown;) {
      grown = false;
      for (const fk of plan.foreignKeys) {
        if (chosen.has(fk.table) && !chosen.has(fk.references)) grown = !!chosen.add(fk.references);
      }
    }
    held[name] = plan.tables.filter((t) => chosen.has(t.table)).map((t) => t.table);
  }
  return held;
}

/** `--only` names: a recorded category stands for its tables. */
export function expandCategories(only: readonly string[] | undefined, recorded: Record<string, string[]> | undefined): string[] | undefined {
  if (!only || !recorded) return only ? [...only] : undefined;
  return [...new Set(only.flatMap((name) => (Object.hasOwn(recorded, name) ? recorded[name]! : [name])))];
}

/** Every category checked against the plan (exit 2 naming an unknown table); the selected one's plan, or the full plan. */
export function planCategory(plan: RowsPlan, catalog: readonly PlanTableInput[], config: WithCategories): RowsPlan {
  const categories = config.tenants.categories ?? {};
  for (const [name, patterns] of Object.entries(categories)) categoryTables(plan, name, patterns);
  const selected = selectedCategory(config);
  return selected ? restrictToCategory(plan, catalog, selected, categories[selected]!) : plan;
}
