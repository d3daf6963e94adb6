/**
 * The pieces of the config schema that the engines' own fragments (src/sources/<engine>/config.ts)
 * are made of: tenants, hooks, tools, jobs and the database settings. They sit below both the
 * engines and config/schema.ts, which assembles the fragments.
 */
import { z } from 'zod';
import { dbUrlProblem, type DbUrlKind } from './db-url.js';

/** A string that `problem` accepts (returns undefined for); its message names what to write. */
export const checked = (problem: (value: string) => string | undefined, base = z.string()) =>
  base.superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
/** Tenants (or loaders) at once; each holds database connections. The CLI's --jobs has the same bounds. */
export const MAX_JOBS = 64;

export const tenantModes = ['none', 'database', 'schema', 'rows', 'directory'] as const;

export const tenantsSchema = z
  .object({
    mode: z.enum(tenantModes).default('none'),
    /** SQL LIKE pattern for database/schema names, or a glob for sqlite files. */
    match: z.string().optional(),
    /** SQL returning `id` and optionally `name` and `plan`. */
    query: z.string().optional(),
    /** rows mode: the column holding the tenant id. */
    column: z.string().optional(),
    /** tenant ids to skip. */
    exclude: z.array(z.string()).default([]),
    /** rows mode: schemas searched for tenant tables (default ["public"]). */
    schemas: z.array(z.string()).optional(),
    /** rows mode: only these tables (schema-qualified or bare). */
    includeTables: z.array(z.string()).optional(),
    /** rows mode: never these tables. */
    excludeTables: z.array(z.string()).default([]),
    /** rows mode: table -> the foreign key (constraint name, column, or columns) that ties it to the tenant. */
    paths: z.record(z.string().min(1), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).optional(),
    /** rows mode: named groups of tables (`"billing": ["invoices", "payments"]`) for `create --category` and `restore --only`. */
    categories: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.array(z.string()).min(1)).optional(),
  })
  .strict();

export const toolsSchema = z.record(z.string(), z.string()).default({});

/** A command run around one tenant's backup or restore (src/hooks/run-hook.ts). */
export const hookSchema = z
  .object({
    /** argv, run without a shell. */
    command: z.array(z.string().min(1)).min(1),
    /** Seconds before the command is killed. */
    timeout: z.number().positive().max(86400).default(60),
    /** fail: a failing pre-hook stops that tenant before any change; continue: a warning only. */
    onError: z.enum(['fail', 'continue']).default('fail'),
    /** Extra environment for the command (the only way a secret reaches it). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  })
  .strict();
export const hooksSchema = z.object({ preCreate: hookSchema.optional(), postCreate: hookSchema.optional(), preRestore: hookSchema.optional(), postRestore: hookSchema.optional() }).strict();
export type HookConfig = z.infer<typeof hookSchema>;
export type HooksConfig = z.infer<typeof hooksSchema>;
export type TenantsConfig = z.infer<typeof tenantsSchema>;

/** The settings every database engine (PostgreSQL, MySQL/MariaDB) shares after its url. */
export const databaseSource = {
  password: z.string().optional(),
  passwordFile: z.string().optional(),
  tenants: tenantsSchema.default({ mode: 'none', exclude: [], excludeTables: [] }),
  jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
  tools: toolsSchema,
  hooks: hooksSchema.optional(),
};

// Checked after `${VAR}` interpolation (the pipeline interpolates first), so an env URL is checked too.
export const dbUrl = (kind: DbUrlKind) => checked((url) => dbUrlProblem(url, kind), z.string().min(1));

/** What an engine adds to the config: its source schema, the tenant modes it has, and its entry in the starter config. */
export interface EngineConfig<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** tenants.mode values the engine supports (config/rules.ts refuses the others). */
  modes: readonly (typeof tenantModes)[number][];
  /** Its source in the config `orgbackup init` writes (a JSONC fragment, indented four spaces); engines without one are left out. */
  init?: string;
}
