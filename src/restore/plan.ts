/**
 * The restore plan: what will be replaced and what will be loaded, per table, read from the
 * target now and from the manifest, plus the source's own steps (rows mode counts the tenant's
 * rows it would delete). `--dry-run` prints it; the confirmation prompt shows its summary.
 * Building it changes nothing.
 */
import type { Sidecar, TableInfo } from '../archive/manifest.js';
import type { Context } from '../context.js';
import type { MergeCount } from '../sources/rows/merge.js';
import type { RestoreOptions, Source, Tenant } from '../sources/types.js';
import type { ZipEntry } from '../archive/zip-reader.js';

export interface TableChange {
  table: string;
  /** Rows there now (replaced), when the table exists in the target. */
  current?: number;
  /** Rows the archive loads, when it holds the table. */
  restored?: number;
}

export interface RestorePlan {
  /** Where the data goes, without secrets. */
  target: string;
  steps: string[];
  changes: TableChange[];
  /** `--conflict merge` dry run: per table, rows it would update, insert and keep. */
  merge?: MergeCount[];
}

/** Pairs the target's tables with the archive's, archive order first, then tables only in the target. */
export function tableChanges(archived: readonly TableInfo[], current: readonly TableInfo[] | undefined): TableChange[] {
  const now = new Map((current ?? []).map((t) => [t.name, t.rows]));
  const out: TableChange[] = archived.map((t) => ({ table: t.name, ...(now.has(t.name) ? { current: now.get(t.name)! } : {}), restored: t.rows }));
  const inArchive = new Set(archived.map((t) => t.name));
  for (const t of current ?? []) if (!inArchive.has(t.name)) out.push({ table: t.name, current: t.rows });
  return out;
}

/** `entries`: only for a dry run that reads the archive (a merge's counts); otherwise none are read. */
export async function planRestore(source: Source, tenant: Tenant, sidecar: Sidecar, options: RestoreOptions, ctx: Context, entries?: AsyncIterable<ZipEntry>): Promise<RestorePlan> {
  const dry = await source.restore(tenant, {
    sidecar,
    entries: entries ?? (async function* () {})(),
    options: { ...options, dryRun: true },
    signal: ctx.signal,
    log: ctx.log,
    tempDir: await ctx.tempDir(),
  });
  const current = dry.current ?? (source.currentTables ? await source.currentTables(tenant, sidecar, options.target, ctx.signal) : undefined);
  const changes = sidecar.tables.length > 0 || current ? tableChanges(sidecar.tables, current) : [];
  return { target: dry.target, steps: dry.plan ?? [], changes, ...(dry.merge ? { merge: dry.merge } : {}) };
}

/** A few lines for the confirmation prompt. */
export function summarisePlan(plan: RestorePlan): string[] {
  const replaced = plan.changes.filter((c) => c.current !== undefined && c.restored !== undefined);
  const lines = plan.steps.slice(0, 8).map((s) => `  - ${s}`);
  if (plan.steps.length > 8) lines.push(`  - ... and ${plan.steps.length - 8} more steps`);
  if (replaced.length > 0) {
    const rows = replaced.reduce((n, c) => n + (c.current ?? 0), 0);
    lines.push(`  ${replaced.length} existing table(s) with ${rows} row(s) will be replaced`);
  }
  return lines;
}
