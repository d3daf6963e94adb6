/**
 * The configuration contract (version 1) as a zod schema. The JSON Schema shipped in
 * schema/orgbackup.schema.json is generated from this file (scripts/write-json-schema.mjs).
 */
import { z } from 'zod';
import { httpUrlProblem } from './db-url.js';
import { checked, MAX_JOBS } from './source-parts.js';
import { cronProblem, timeZoneProblem } from './time.js';
import { ENGINES } from '../sources/engines.js';

// The engines' own parts (src/sources/<engine>/config.ts, listed in src/sources/engines.ts), by
// source type; PostgreSQL's source gets point-in-time restore here (its providers are in src/pitr/,
// above the engines). Nothing here names an engine otherwise: a new one is only its line there.
export const engineConfigs = { ...ENGINES, postgres: { ...ENGINES.postgres, schema: ENGINES.postgres.schema.extend({ pitr: pitrSchema.optional() }) } };
export { MAX_JOBS, tenantModes, tenantsSchema, hookSchema, hooksSchema } from './source-parts.js';
// Point-in-time restore (docs/pitr.md): each provider brings its own schema.
import { pitrSchema } from '../pitr/providers.js';
export { pitrSchema };
import { notificationsSchema, type NotificationsConfig } from './notifications-schema.js';

export { notificationsSchema };
export type { NotificationsConfig };

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"');
const byteSize = z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 500MB or 2GiB');
const duration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, 'a duration such as 90s, 36h, 30d or 1y');

// Checked at load, not only by schedule-run: a schedule that can never run must fail the first command.
const cronPattern = checked(cronProblem);
const timeZone = checked(timeZoneProblem);
const httpUrl = checked(httpUrlProblem, z.string().min(1));

type EngineSchema = (typeof engineConfigs)[keyof typeof engineConfigs]['schema'];
// The tuple type is the map's values, so a SourceConfig is still the union of each engine's config.
export const sourceSchema = z.discriminatedUnion('type', Object.values(engineConfigs).map((engine) => engine.schema) as [EngineSchema, ...EngineSchema[]]);

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
    /**
     * S3 Object Lock: every archive object and sidecar is written with this retention (mode, and a
     * retain-until date `days` after the write); the bucket must have Object Lock enabled (preflight
     * checks it). Legal-hold objects, locks and state are written without it (they must be removable).
     */
    objectLock: z
      .object({ mode: z.enum(['governance', 'compliance']), days: z.number().int().min(1).max(36500) })
      .strict()
      .optional(),
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
    maxTotalSize: byteSize.optional(),
  })
  .strict();

/**
 * What a plan may use (docs/archives-and-retention.md "Plan limits"): checked per tenant by create
 * and schedule-run from the storage listing. Counts are per storage; the month is the UTC one.
 */
export const planLimitsSchema = z
  .object({
    /** Archives a tenant may get per calendar month (UTC); 0 allows none. */
    maxArchivesPerMonth: z.number().int().min(0).optional(),
    /** The largest archive (stored bytes) that is committed; known only once the dump is done. */
    maxArchiveSize: byteSize.optional(),
    /** Bytes of complete archives a tenant may hold in one storage. */
    maxTenantStorage: byteSize.optional(),
    /** The schedules (names under "schedules") that may back up tenants of this plan; absent = all. */
    schedules: z.array(z.string()).optional(),
    /** enforce: a tenant over a limit is not backed up (status "limited"); warn: it is, with a warning. */
    mode: z.enum(['enforce', 'warn']).default('enforce'),
  })
  .strict();

/** A plan's policy: a retention policy (replacing the top-level one) and its limits. */
export const planPolicySchema = retentionPolicySchema.extend({ limits: planLimitsSchema.optional() }).strict();

export const retentionSchema = retentionPolicySchema
  .extend({
    timezone: z.string().default('UTC'),
    /** Tenants no longer returned by the tenants query. */
    orphans: retentionPolicySchema.default({ keepWithin: '90d' }),
    plans: z.object({ query: z.string().optional(), source: z.string().optional() }).catchall(planPolicySchema).optional(),
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
    notifications: notificationsSchema.default({ channels: {}, expiringWithin: '7d' }),
    /** The audit trail (docs/commands.md#audit): off unless enabled, since every run then writes one object to the default storage. */
    audit: z
      .object({
        enabled: z.boolean().default(false),
        /** Refuse to start (exit 4) when the trail cannot be written, instead of working and reporting the hole after. */
        required: z.boolean().default(false),
        /** How long audit objects are kept: prune never removes younger ones (a duration, default 400d). */
        keepWithin: duration.optional(),
        /** Ed25519 private key (PEM) that signs each run's seal. */
        signingKeyFile: z.string().min(1).optional(),
        /** Ed25519 public key (PEM) `audit verify` checks seals with; else derived from signingKeyFile. */
        verifyKeyFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
/** The other engines' source types are their own (<engine>/config.ts); this one has `pitr`, attached here. */
export type PostgresSourceConfig = z.infer<typeof engineConfigs.postgres.schema>;
export type { HookConfig, HooksConfig, TenantsConfig } from './source-parts.js';
export type StorageConfig = z.infer<typeof storageSchema>;
export type LocalStorageConfig = z.infer<typeof localStorageSchema>;
export type S3StorageConfig = z.infer<typeof s3StorageSchema>;
export type RcloneStorageConfig = z.infer<typeof rcloneStorageSchema>;
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;
export type RetentionConfig = z.infer<typeof retentionSchema>;
export type PlanPolicy = z.infer<typeof planPolicySchema>;
export type PlanLimits = z.infer<typeof planLimitsSchema>;
export type EncryptionConfig = z.infer<typeof encryptionSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
