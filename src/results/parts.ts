/**
 * Building blocks of the `--json` result documents (src/results/schemas.ts). Objects are loose: a
 * field may be added within a schemaVersion, never removed or retyped, so a client that validates
 * against the shipped schema keeps working when orgbackup grows.
 */
import { z } from 'zod';

export const exitCode = z.union([0, 1, 2, 3, 4, 5, 75, 130, 143].map((code) => z.literal(code)) as [z.ZodLiteral<0>, ...z.ZodLiteral<number>[]]);
export const isoTime = z.string().describe('ISO 8601 time, UTC');

/** Every document starts with these: which command, whether it succeeded, its exit status. */
export function resultBase<const C extends string>(command: C) {
  return {
    schemaVersion: z.literal(1),
    command: z.literal(command),
    ok: z.boolean(),
    exitCode,
  };
}

export const storageOutcome = z.looseObject({ name: z.string(), status: z.enum(['ok', 'failed']), error: z.string().optional() });

export const tenantBackup = z.looseObject({
  source: z.string(),
  tenant: z.string(),
  tenantName: z.string().optional(),
  id: z.string(),
  /** limited: not backed up, or not committed, because of the tenant's plan limits (`reason`). */
  status: z.enum(['ok', 'partial', 'failed', 'limited']),
  size: z.number().optional(),
  rows: z.number().optional(),
  durationMs: z.number(),
  storages: z.array(storageOutcome),
  error: z.string().optional(),
  hint: z.string().optional(),
  /** status limited: the limits reached and their figures, one sentence each joined by "; ". */
  reason: z.string().optional(),
  /** status limited: the names of the limits reached (maxArchivesPerMonth, maxArchiveSize, maxTenantStorage, schedules). */
  limits: z.array(z.string()).optional(),
  /** Stored over a limit under limits.mode "warn". */
  warnings: z.array(z.string()).optional(),
  /** Stored over a limit because of create --ignore-limits. */
  limitsIgnored: z.array(z.string()).optional(),
});

export const uncheckedSource = z.looseObject({ source: z.string(), error: z.string() });

export const tableInfo = z.looseObject({ name: z.string(), rows: z.number(), checksum: z.string().optional(), digest: z.string().optional(), collation: z.string().optional() });

/** PostgreSQL: what the restore test's database was created with (compared with the manifest). */
export const databaseLocale = z.looseObject({
  encoding: z.string(),
  collate: z.string(),
  ctype: z.string(),
  provider: z.enum(['icu', 'builtin']).optional(),
  locale: z.string().optional(),
});

export const checkResult = z.looseObject({
  id: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  message: z.string(),
  hint: z.string().optional(),
  subject: z.string().optional(),
});

export const verifyItem = z.looseObject({
  id: z.string(),
  storage: z.string(),
  status: z.enum(['ok', 'failed']),
  failedLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  levels: z.array(z.number()),
  size: z.number().optional(),
  error: z.string().optional(),
  hint: z.string().optional(),
  restoreTest: z
    .looseObject({
      where: z.string(),
      tables: z.number(),
      rows: z.number(),
      files: z.number().optional(),
      locale: databaseLocale.optional(),
      /** Whole-database PostgreSQL: also restored a second time over the first copy (the in-place path). */
      replaced: z.boolean().optional(),
      problems: z.array(z.string()),
      durationMs: z.number(),
    })
    .optional(),
});

/** verify --subset / --sample: the part of the tenants a storage's run covered. */
export const verifiedPart = z.looseObject({ storage: z.string(), index: z.number(), count: z.number() });

/** A legal hold as results show it (src/archive/hold.ts); `unreadable` when its object could not be read (still held). */
export const holdInfo = z.looseObject({
  reason: z.string().optional(),
  heldAt: z.string().optional(),
  heldBy: z.string().optional(),
  actor: z.string().optional(),
  unreadable: z.string().optional(),
});

export const listedArchive = z.looseObject({
  id: z.string(),
  source: z.string(),
  tenant: z.string(),
  time: isoTime,
  storage: z.string(),
  size: z.number().optional(),
  encrypted: z.boolean(),
  trigger: z.string().optional(),
  tenantName: z.string().optional(),
  rows: z.number().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  categories: z.array(z.string()).optional(),
  /** Under legal hold (`orgbackup hold`); details with --long / --json. */
  held: z.boolean().optional(),
  hold: holdInfo.optional(),
});

/** list --usage: one tenant in one storage against its plan's limits (the month is the UTC calendar month). */
export const tenantUsage = z.looseObject({
  source: z.string(),
  tenant: z.string(),
  storage: z.string(),
  plan: z.string().optional(),
  archives: z.number(),
  archivesThisMonth: z.number(),
  month: z.string(),
  bytes: z.number(),
  newestSize: z.number().optional(),
  mode: z.enum(['enforce', 'warn']).optional(),
  limits: z.array(z.looseObject({ limit: z.enum(['maxArchivesPerMonth', 'maxArchiveSize', 'maxTenantStorage']), used: z.number(), max: z.number(), percent: z.number() })),
});

export const staleTenant = z.looseObject({
  source: z.string(),
  tenant: z.string(),
  storage: z.string(),
  newest: z.string().optional(),
  ageHours: z.number().optional(),
  ageSeconds: z.number().optional(),
});

export const prunedArchive = z.looseObject({
  id: z.string(),
  storage: z.string(),
  source: z.string(),
  tenant: z.string(),
  time: isoTime,
  size: z.number().optional(),
  complete: z.boolean(),
  action: z.enum(['keep', 'remove']),
  /** held: under legal hold, never removed; retained: S3 Object Lock refuses the removal until `lockedUntil`. */
  status: z.enum(['kept', 'removed', 'would-remove', 'failed', 'held', 'retained']),
  reasons: z.array(z.string()),
  policy: z.string(),
  error: z.string().optional(),
  hold: holdInfo.optional(),
  lockedUntil: z.string().optional(),
});

export const orphanTenant = z.looseObject({ source: z.string(), tenant: z.string(), storage: z.string(), archives: z.number(), policy: z.record(z.string(), z.unknown()) });

export const scheduleItem = z.looseObject({
  schedule: z.string(),
  shard: z.string(),
  status: z.enum(['ok', 'partial', 'failed', 'skipped', 'busy']),
  exitCode: z.number(),
  due: z.boolean(),
  reason: z.string(),
  lastRun: z.string().optional(),
  lastRunStatus: z.enum(['ok', 'partial', 'failed']).optional(),
  lastRunError: z.string().optional(),
  tick: z.string().optional(),
  nextTick: z.string().optional(),
  startedAt: z.string().optional(),
  durationMs: z.number().optional(),
  counts: z.looseObject({ ok: z.number(), partial: z.number(), failed: z.number(), limited: z.number().optional() }).optional(),
  archives: z.array(tenantBackup).optional(),
  prune: z.looseObject({ status: z.enum(['ok', 'skipped', 'failed']), message: z.string() }).optional(),
  error: z.looseObject({ message: z.string(), hint: z.string().optional() }).optional(),
  notified: z.boolean().optional(),
});

/** create --dry-run of a rows source: how one copied table is tied to the tenant (table -> foreign key column(s) -> ... -> tenant column). */
export const tenantPath = z.looseObject({ source: z.string(), table: z.string(), path: z.string() });
/** `restore --conflict merge`: what the merge does (or would do) to one table's rows of the tenant. */
export const mergeCount = z.looseObject({ table: z.string(), updated: z.number(), inserted: z.number(), unchanged: z.number(), kept: z.number() });
/** delete / forget: one archive removed (or that would be, or that failed). */
export const removedArchive = z.looseObject({
  id: z.string(),
  storage: z.string(),
  /** held: forget left it (a legal hold); `hold` says whose. */
  status: z.enum(['removed', 'would-remove', 'failed', 'held']),
  complete: z.boolean(),
  size: z.number().optional(),
  bytes: z.number().optional(),
  error: z.string().optional(),
  hold: holdInfo.optional(),
});

/** hold / release: one archive in one storage. */
export const holdItem = z.looseObject({
  id: z.string(),
  storage: z.string(),
  status: z.enum(['held', 'already-held', 'would-hold', 'released', 'not-held', 'would-release', 'failed']),
  hold: holdInfo.optional(),
  error: z.string().optional(),
});

export const removalSummary = z.looseObject({ removed: z.number(), failed: z.number(), bytes: z.number(), held: z.number().optional() });

/** import: what one storage did with the archive file. */
export const importStorageOutcome = z.looseObject({
  name: z.string(),
  status: z.enum(['stored', 'identical', 'would-store', 'failed']),
  error: z.string().optional(),
  hint: z.string().optional(),
});

/** One action record of the audit trail (src/audit/chain.ts), as `audit` prints it. */
export const auditRecord = z.looseObject({
  object: z.string(),
  seq: z.number(),
  time: isoTime,
  action: z.string(),
  source: z.string().optional(),
  tenant: z.string().optional(),
  archives: z.array(z.string()),
  storages: z.array(z.string()).optional(),
  outcome: z.enum(['ok', 'partial', 'failed', 'dry-run', 'limited']),
  exitCode: z.number(),
  /** create: the plan limits that stopped the tenant, or that it was stored over (warn mode, --ignore-limits). */
  limits: z.array(z.string()).optional(),
  /** create --ignore-limits was given. */
  ignoreLimits: z.boolean().optional(),
  /** hold / release: the reason given. */
  reason: z.string().optional(),
  bytes: z.number().optional(),
  rows: z.number().optional(),
  error: z.string().optional(),
  who: z.looseObject({ user: z.string(), uid: z.number(), host: z.string(), pid: z.number(), actor: z.string().optional() }),
});
