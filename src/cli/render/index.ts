/**
 * Result objects -> stdout text, redacted. With --json, exactly one JSON document (with
 * schemaVersion); otherwise the command's renderer: tables for most, one line for export and init.
 */
import type { ChalkInstance } from 'chalk';
import { redact } from '../../redact.js';
import { RESULT_SCHEMA_VERSION } from '../../results/version.js';
import { renderCreate } from './create.js';
import { renderList } from './list.js';
import { renderPreflight } from './preflight.js';
import { renderPrune } from './prune.js';
import { renderRestore } from './restore.js';
import { renderScheduleRun } from './schedule-run.js';
import { renderVerify } from './verify.js';
import { renderDelete, renderForget, renderGet, renderHold, renderImport } from './removal.js';
import { printableResult } from './printable.js';
import { renderDiff } from './diff.js';
import { renderAudit, renderAuditVerify } from './audit.js';

export interface CommandResultBase {
  command: string;
  ok: boolean;
  exitCode: number;
}

export type Renderer = (result: never, c: ChalkInstance) => string;

/** One renderer per command (each command has one; a result of a command missing here would print as JSON rather than be lost). */
const renderers: Record<string, Renderer> = {
  create: renderCreate,
  list: renderList,
  preflight: renderPreflight,
  prune: renderPrune,
  restore: renderRestore,
  'schedule-run': renderScheduleRun,
  verify: renderVerify,
  delete: renderDelete,
  forget: renderForget,
  hold: renderHold,
  release: renderHold,
  get: renderGet,
  import: renderImport,
  export: (r: { output: string; tables: { rows: number }[] }) => `wrote ${r.tables.length} table(s), ${r.tables.reduce((n, t) => n + t.rows, 0)} row(s), and index.json to ${r.output}\n`,
  diff: renderDiff,
  audit: renderAudit,
  'audit-verify': renderAuditVerify,
  init: (r: { path: string }) => `wrote ${r.path}\n`,
};

export function renderResult(result: CommandResultBase, options: { json: boolean; chalk: ChalkInstance }): string {
  if (options.json) return redact(JSON.stringify({ schemaVersion: RESULT_SCHEMA_VERSION, ...result }, null, 2)) + '\n';
  const renderer = renderers[result.command];
  // Renderers see every data string with its control characters escaped (printable.ts).
  return redact(renderer ? renderer(printableResult(result) as never, options.chalk) : JSON.stringify(result, null, 2) + '\n');
}
