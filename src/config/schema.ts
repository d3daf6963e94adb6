/**
 * The configuration contract (version 1) as a zod schema. The JSON Schema shipped in
 * schema/orgbackup.schema.json is generated from this file (scripts/write-json-schema.mjs).
 */
import { z } from 'zod';
import { dbUrlProblem, httpUrlProblem, MYSQL_URL, POSTGRES_URL } from './db-url.js';
import { cronProblem, timeZoneProblem } from './time.js';
// Point-in-time restore (docs/pitr.md): each provider brings its own schema.
import { pitrSchema } from '../pitr/providers.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"');
const duration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, 'a duration such as 90s, 36h, 30d or 1y');

/** A string that `problem` accepts (returns undefined for); its message names what to write. */
const checked = (problem: (value: string) => string | undefined, base = z.string()) =>
  base.superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });
// Checked at load, not only by schedule-run: a schedule that can never run must fail the first command.
const cronPattern = checked(cronProblem);
const timeZone = checked(timeZoneProblem);
const httpUrl = checked(httpUrlProblem, z.string().min(1));

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

const toolsSchema = z.record(z.string(), z.string()).default({});

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

const databaseSource = {
  password: z.string().optional(),
  passwordFile: z.string().optional(),
  tenants: tenantsSchema.default({ mode: 'none', exclude: [], excludeTables: [] }),
  jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
  tools: toolsSchema,
  hooks: hooksSchema.optional(),
};

// Checked after `${VAR}` interpolation (the pipeline interpolates first), so an env URL is checked too.
const dbUrl = (kind: typeof POSTGRES_URL) => checked((url) => dbUrlProblem(url, kind), z.string().min(1));
export const postgresSourceSchema = z.object({ type: z.literal('postgres'), url: dbUrl(POSTGRES_URL), ...databaseSource, pitr: pitrSchema.optional() }).strict();
export const mysqlSourceSchema = z.object({ type: z.literal('mysql'), url: dbUrl(MYSQL_URL), ...databaseSource }).strict();
export const sqliteSourceSchema = z
  .object({
    type: z.literal('sqlite'),
    /** A database file, or a glob of files (one per tenant) in directory mode. */
    path: z.string().min(1),
    tenants: tenantsSchema.default({ mode: 'none', exclude: [], excludeTables: [] }),
    jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
    tools: toolsSchema,
    hooks: hooksSchema.optional(),
  })
  .strict();
export const filesSourceSchema = z
  .object({
    type: z.literal('files'),
    path: z.string().min(1),
    tenants: tenantsSchema.default({ mode: 'none', exclude: [], excludeTables: [] }),
    jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
    hooks: hooksSchema.optional(),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion('type', [postgresSourceSchema, mysqlSourceSchema, sqliteSourceSchema, filesSourceSchema]);

export const localStorageSchema = z.object({ type: z.literal('local'), path: z.string().min(1) }).strict();
export const s3StorageSchema = z
  .object({
    type: z.literal('s3'),
    bucket: z.string().min(1),
    prefix: z.string().default(''),
    region: z.string().optional(),
    endpoint: httpUrl.optional(),
    forcePathStyle: z.boolean().default(false),
    storageClass: z.string().optional(),
    serverSideEncryption: z.string().optional(),
    sseKmsKeyId: z.string().optional(),
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    sessionToken: z.string().optional(),
    /** Multipart part size in MiB (5..5120). */
    partSizeMiB: z.number().int().min(5).max(5120).default(16),
    /** Parts uploaded at once; memory is about partSize x (queueSize + 1). */
    queueSize: z.number().int().min(1).max(16).default(2),
  })
  .strict();
export const rcloneStorageSchema = z
  .object({
    type: z.literal('rclone'),
    /** `remote:path`, as rclone names it. */
    remote: z.string().min(1).regex(/:/, 'an rclone remote such as gdrive:backups or s3:bucket/prefix'),
    /** rclone config file; by default rclone's own lookup (RCLONE_CONFIG, ~/.config/rclone/rclone.conf). */
    configFile: z.string().optional(),
  })
  .strict();
export const storageSchema = z.discriminatedUnion('type', [localStorageSchema, s3StorageSchema, rcloneStorageSchema]);

export const retentionPolicySchema = z
  .object({
    keepLast: z.number().int().min(0).optional(),
    keepHourly: z.number().int().min(0).optional(),
    keepDaily: z.number().int().min(0).optional(),
    keepWeekly: z.number().int().min(0).optional(),
    keepMonthly: z.number().int().min(0).optional(),
    keepYearly: z.number().int().min(0).optional(),
    keepWithin: duration.optional(),
    maxArchives: z.number().int().min(1).optional(),
    maxTotalSize: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 500MB or 2GiB')
      .optional(),
  })
  .strict();

export const retentionSchema = retentionPolicySchema
  .extend({
    timezone: z.string().default('UTC'),
    /** Tenants no longer returned by the tenants query. */
    orphans: retentionPolicySchema.default({ keepWithin: '90d' }),
    plans: z.object({ query: z.string().optional(), source: z.string().optional() }).catchall(retentionPolicySchema).optional(),
  })
  .strict();

export const encryptionSchema = z
  .object({
    recipients: z.array(z.string()).default([]),
    recipientsFile: z.string().optional(),
    passphrase: z.string().optional(),
    passphraseFile: z.string().optional(),
    identity: z.string().optional(),
    identityFile: z.string().optional(),
    identityFiles: z.array(z.string()).default([]),
    /** Per-tenant recipients ("<source>/<tenant>" or "<tenant>" -> public keys), for crypto-erasure. */
    tenantRecipients: z.record(z.string(), z.array(z.string())).optional(),
  })
  .strict();

export const scheduleSchema = z
  .object({
    cron: cronPattern,
    timezone: timeZone.default('UTC'),
    sources: z.array(z.string()).optional(),
    tenants: z.array(z.string()).optional(),
    storage: z.array(z.string()).optional(),
    prune: z.boolean().default(false),
    jobs: z.number().int().min(1).max(MAX_JOBS).optional(),
  })
  .strict();

export const notificationsSchema = z
  .object({
    webhook: z
      .object({
        url: httpUrl.optional(),
        /** A file holding the URL (a Kubernetes secret mount): webhook URLs usually embed a token. */
        urlFile: z.string().min(1).optional(),
        on: z.array(z.enum(['failure', 'success', 'always'])).default(['failure']),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .refine((w) => !!w.url !== !!w.urlFile, 'set "url" or "urlFile" (one of them)')
      .optional(),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    sources: z.record(name, sourceSchema).refine((s) => Object.keys(s).length > 0, 'define at least one source'),
    storage: z.record(name, storageSchema).refine((s) => Object.keys(s).length > 0, 'define at least one storage'),
    defaults: z
      .object({
        storage: z.array(z.string()).optional(),
        compression: z.enum(['zstd', 'gzip', 'none']).default('zstd'),
        jobs: z.number().int().min(1).max(MAX_JOBS).default(2),
      })
      .strict()
      .default({ compression: 'zstd', jobs: 2 }),
    encryption: encryptionSchema.optional(),
    retention: retentionSchema.optional(),
    schedules: z.record(name, scheduleSchema).default({}),
    notifications: notificationsSchema.default({}),
    /** The audit trail (docs/commands.md#audit): off unless enabled, since every run then writes one object to the default storage. */
    audit: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type PostgresSourceConfig = z.infer<typeof postgresSourceSchema>;
export type MysqlSourceConfig = z.infer<typeof mysqlSourceSchema>;
export type SqliteSourceConfig = z.infer<typeof sqliteSourceSchema>;
export type FilesSourceConfig = z.infer<typeof filesSourceSchema>;
export type TenantsConfig = z.infer<typeof tenantsSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type LocalStorageConfig = z.infer<typeof localStorageSchema>;
export type S3StorageConfig = z.infer<typeof s3StorageSchema>;
export type RcloneStorageConfig = z.infer<typeof rcloneStorageSchema>;
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;
export type RetentionConfig = z.infer<typeof retentionSchema>;
export type EncryptionConfig = z.infer<typeof encryptionSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type NotificationsConfig = z.infer<typeof notificationsSchema>;
