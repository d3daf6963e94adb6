/**
 * Schema reconciliation before a restore: the archive's schema fingerprint against the target's
 * tables and columns now. A restore into a schema that has moved on (a migration since the
 * backup) either fails half-way or silently undoes the migration, so any difference refuses the
 * restore with the list of differences, unless --force. Extra tables in the target are never
 * touched, and extra nullable columns are filled with NULL (or their default), so both are allowed.
 */
import type { ColumnInfo, SchemaFingerprint, Sidecar } from '../archive/manifest.js';
import type { Logger } from '../context.js';
import { OrgbackupError, ExitCode } from '../errors.js';
import type { Source, Tenant } from '../sources/types.js';

export type DifferenceKind = 'missing-table' | 'missing-column' | 'type-changed' | 'now-not-null' | 'extra-not-null-column';

export interface SchemaDifference {
  kind: DifferenceKind;
  table: string;
  column?: string;
  /** The type/nullability in the archive and in the target, where that is the difference. */
  archived?: string;
  current?: string;
}

export interface DiffOptions {
  /** The restore writes its own DDL (database and schema modes): an empty target is fine. */
  carriesSchema: boolean;
}

/** Every difference that would make the restore fail or undo the target's schema. */
export function diffFingerprints(archived: SchemaFingerprint, current: SchemaFingerprint, options: DiffOptions): SchemaDifference[] {
  if (archived.sha256 === current.sha256) return [];
  if (options.carriesSchema && current.tables.length === 0) return [];
  const now = new Map(current.tables.map((t) => [t.name, t.columns]));
  const out: SchemaDifference[] = [];
  for (const table of archived.tables) {
    const columns = now.get(table.name);
    if (!columns) out.push({ kind: 'missing-table', table: table.name });
    else out.push(...diffColumns(table.name, table.columns, columns));
  }
  return out;
}

function diffColumns(table: string, archived: readonly ColumnInfo[], current: readonly ColumnInfo[]): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const now = new Map(current.map((c) => [c.name, c]));
  for (const column of archived) {
    const live = now.get(column.name);
    if (!live) out.push({ kind: 'missing-column', table, column: column.name, archived: column.type });
    else if (live.type !== column.type) out.push({ kind: 'type-changed', table, column: column.name, archived: column.type, current: live.type });
    else if (column.nullable && !live.nullable) out.push({ kind: 'now-not-null', table, column: column.name, archived: 'NULL allowed', current: 'NOT NULL' });
  }
  const known = new Set(archived.map((c) => c.name));
  for (const column of current) {
    if (!known.has(column.name) && !column.nullable) out.push({ kind: 'extra-not-null-column', table, column: column.name, current: `${column.type} NOT NULL` });
  }
  return out;
}

/** One line per difference, for the refusal message and the dry-run plan. */
export function describeDifference(d: SchemaDifference): string {
  const col = `${d.table}.${d.column ?? ''}`;
  switch (d.kind) {
    case 'missing-table':
      return `table ${d.table}: in the archive, missing in the target`;
    case 'missing-column':
      return `column ${col} (${d.archived}): in the archive, missing in the target`;
    case 'type-changed':
      return `column ${col}: type ${d.archived} in the archive, ${d.current} in the target`;
    case 'now-not-null':
      return `column ${col}: NULL allowed in the archive, NOT NULL in the target`;
    case 'extra-not-null-column':
      return `column ${col} (${d.current}): only in the target, and it does not allow NULL`;
  }
}

export interface ReconcileOutcome {
  /** new-target: nothing there yet; not-recorded: the archive or source has no fingerprint (files). */
  status: 'match' | 'new-target' | 'not-recorded' | 'differs';
  differences: SchemaDifference[];
}

const MAX_LISTED = 20;

/** Compares the archive's schema with the target's now; reads only. */
export async function inspectSchema(source: Source, tenant: Tenant, sidecar: Sidecar, target: string | undefined, signal: AbortSignal): Promise<ReconcileOutcome> {
  if (!sidecar.schemaFingerprint || !source.currentFingerprint) return { status: 'not-recorded', differences: [] };
  const current = await source.currentFingerprint(tenant, sidecar, target, signal);
  if (!current) return { status: 'new-target', differences: [] };
  const differences = diffFingerprints(sidecar.schemaFingerprint, current, { carriesSchema: sidecar.tenant.mode !== 'rows' });
  return { status: differences.length === 0 ? 'match' : 'differs', differences };
}

export function describeDifferences(differences: readonly SchemaDifference[]): string[] {
  const lines = differences.slice(0, MAX_LISTED).map(describeDifference);
  if (differences.length > MAX_LISTED) lines.push(`... and ${differences.length - MAX_LISTED} more`);
  return lines;
}

/** Refuses (exit 1, nothing touched) a restore over a different schema, unless `force`. */
export function enforceSchema(outcome: ReconcileOutcome, sidecar: Sidecar, force: boolean, log: Logger): void {
  if (outcome.status !== 'differs') return;
  const lines = describeDifferences(outcome.differences);
  if (force) {
    log.warn(`--force: restoring despite ${outcome.differences.length} schema difference(s):\n  ${lines.join('\n  ')}`, { event: 'schema-differences', count: outcome.differences.length });
    return;
  }
  throw new OrgbackupError(`refusing to restore ${sidecar.id}: the target's schema differs from the archive's; nothing was touched:\n  ${lines.join('\n  ')}`, ExitCode.failed, {
    hint: "migrate the target to the archive's schema, restore elsewhere with --target to inspect it, or pass --force to restore anyway",
  });
}
