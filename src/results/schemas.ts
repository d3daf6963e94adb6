/**
 * The `--json` result document of every command, as zod schemas. The build turns them into the JSON
 * Schemas shipped in schema/results/ (scripts/write-json-schema.mjs); the e2e tests validate every
 * `--json` output against those files; src/results/conformance.ts makes the compiler check that the
 * commands' result types fit them.
 */
import { z } from 'zod';
import * as p from './parts.js';

export { RESULT_SCHEMA_VERSION } from './version.js';

const create = z.looseObject({
  ...p.resultBase('create'),
  dryRun: z.boolean(),
  storages: z.array(z.string()),
  archives: z.array(p.tenantBackup),
  planned: z.array(z.looseObject({ source: z.string(), tenant: z.string(), tenantName: z.string().optional() })).optional(),
  paths: z.array(p.tenantPath).optional(),
  /** create --ignore-limits: tenants over their plan limits were backed up (each says so in limitsIgnored). */
  ignoreLimits: z.boolean().optional(),
});

const list = z.looseObject({
  ...p.resultBase('list'),
  archives: z.array(p.listedArchive),
  stale: z.array(p.staleTenant).optional(),
  /** list --usage: one item per tenant and storage. */
  usage: z.array(p.tenantUsage).optional(),
  unchecked: z.array(p.uncheckedSource).optional(),
});

const verify = z.looseObject({ ...p.resultBase('verify'), archives: z.array(p.verifyItem), parts: z.array(p.verifiedPart).optional() });

const restore = z.looseObject({
  ...p.resultBase('restore'),
  id: z.string(),
  storage: z.string(),
  file: z.string().optional(),
  tenant: z.string(),
  /** restore --as: the tenant the archive was loaded as (`tenant` is the archive's own). */
  as: z.string().optional(),
  target: z.string(),
  dryRun: z.boolean(),
  tables: z.array(p.tableInfo),
  plan: z.array(z.string()).optional(),
  changes: z.array(z.looseObject({ table: z.string(), current: z.number().optional(), restored: z.number().optional() })).optional(),
  merge: z.array(p.mergeCount).optional(),
  /** restore --at: the time the tenant was put back to (the archive `id` was read as of then). */
  recoveredTo: z.string().optional(),
  schema: z.looseObject({ status: z.enum(['match', 'new-target', 'not-recorded', 'differs']), differences: z.array(z.string()) }),
  safetyBackupSkipped: z.string().optional(),
  safetyBackup: z.looseObject({ id: z.string(), rollback: z.string() }).optional(),
  warnings: z.array(z.string()),
});

const prune = z.looseObject({
  ...p.resultBase('prune'),
  dryRun: z.boolean(),
  storages: z.array(z.string()),
  archives: z.array(p.prunedArchive),
  orphans: z.array(p.orphanTenant),
  unchecked: z.array(p.uncheckedSource),
  leftovers: z.record(z.string(), z.number()),
  summary: z.looseObject({ kept: z.number(), removed: z.number(), failed: z.number(), bytesFreed: z.number(), held: z.number().optional(), retained: z.number().optional() }),
  expiring: z.array(z.looseObject({ source: z.string(), tenant: z.string(), storage: z.string(), id: z.string(), time: z.string(), before: z.string() })).optional(),
  audit: z
    .looseObject({ storage: z.string(), keepWithin: z.string(), removed: z.array(z.string()), kept: z.number(), failed: z.array(z.looseObject({ key: z.string(), error: z.string() })) })
    .optional(),
});

const preflight = z.looseObject({
  ...p.resultBase('preflight'),
  for: z.enum(['create', 'restore', 'prune', 'verify']),
  sources: z.array(z.string()),
  storages: z.array(z.string()),
  summary: z.looseObject({ pass: z.number(), warn: z.number(), fail: z.number() }),
  checks: z.array(p.checkResult),
});

const scheduleRun = z.looseObject({
  ...p.resultBase('schedule-run'),
  host: z.string(),
  shard: z.string(),
  schedules: z.array(p.scheduleItem),
  metrics: z.looseObject({ file: z.string().optional(), pushed: z.boolean().optional(), error: z.string().optional() }).optional(),
});

const deleteResult = z.looseObject({ ...p.resultBase('delete'), dryRun: z.boolean(), archives: z.array(p.removedArchive), summary: p.removalSummary });

const forget = z.looseObject({
  ...p.resultBase('forget'),
  dryRun: z.boolean(),
  source: z.string(),
  tenant: z.string(),
  storages: z.array(z.string()),
  archives: z.array(p.removedArchive),
  summary: p.removalSummary,
  tenantKey: z.looseObject({ configKey: z.string(), recipients: z.array(z.string()) }).optional(),
  finishedAt: p.isoTime,
});

const holdSummary = z.looseObject({ changed: z.number(), unchanged: z.number(), failed: z.number() });
const holdResult = (command: 'hold' | 'release') =>
  z.looseObject({ ...p.resultBase(command), dryRun: z.boolean(), reason: z.string().optional(), archives: z.array(p.holdItem), summary: holdSummary });

const get = z.looseObject({
  ...p.resultBase('get'),
  id: z.string(),
  storage: z.string(),
  output: z.string(),
  size: z.number(),
  sha256: z.string(),
  encrypted: z.boolean(),
});

const importResult = z.looseObject({
  ...p.resultBase('import'),
  dryRun: z.boolean(),
  file: z.string(),
  id: z.string(),
  source: z.string(),
  tenant: z.string(),
  encrypted: z.boolean(),
  size: z.number(),
  sha256: z.string(),
  levels: z.array(z.number()),
  storages: z.array(p.importStorageOutcome),
});

const exportResult = z.looseObject({
  ...p.resultBase('export'),
  id: z.string(),
  storage: z.string(),
  format: z.enum(['csv', 'ndjson', 'sql']),
  output: z.string(),
  tables: z.array(z.looseObject({ name: z.string(), file: z.string(), rows: z.number() })),
});

const diffCounts = { added: z.number(), removed: z.number(), changed: z.number(), unchanged: z.number() };
const diffSide = z.looseObject({ id: z.string().optional(), storage: z.string().optional(), live: z.boolean().optional(), createdAt: z.string().optional() });
const diff = z.looseObject({
  ...p.resultBase('diff'),
  source: z.string(),
  tenant: z.string(),
  from: diffSide,
  to: diffSide,
  identical: z.boolean(),
  totals: z.looseObject(diffCounts),
  tables: z.array(
    z.looseObject({
      name: z.string(),
      keyed: z.boolean(),
      primaryKey: z.array(z.string()),
      ...diffCounts,
      samples: z.looseObject({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) }),
      onlyIn: z.enum(['from', 'to']).optional(),
    }),
  ),
});

const audit = z.looseObject({ ...p.resultBase('audit'), storage: z.string(), records: z.array(p.auditRecord), unreadable: z.number() });

const auditVerify = z.looseObject({
  ...p.resultBase('audit-verify'),
  storage: z.string(),
  objects: z.array(z.looseObject({ key: z.string(), status: z.enum(['ok', 'tampered', 'unsigned', 'bad-signature']), records: z.number(), line: z.number().optional(), error: z.string().optional() })),
  signatures: z.boolean(),
  heads: z.array(z.string()),
});

const init = z.looseObject({ ...p.resultBase('init'), path: z.string() });

/** What every command prints instead of its result when it fails before producing one. */
const error = z.looseObject({
  schemaVersion: z.literal(1),
  command: z.string(),
  ok: z.literal(false),
  exitCode: p.exitCode,
  error: z.looseObject({ message: z.string(), hint: z.string().optional() }),
});

export const resultSchemas = {
  create,
  list,
  verify,
  restore,
  prune,
  preflight,
  'schedule-run': scheduleRun,
  init,
  delete: deleteResult,
  forget,
  hold: holdResult('hold'),
  release: holdResult('release'),
  get,
  import: importResult,
  export: exportResult,
  diff,
  audit,
  'audit-verify': auditVerify,
  error,
} as const;
export type ResultSchemaName = keyof typeof resultSchemas;
