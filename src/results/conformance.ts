/**
 * Compile-time only: each command's result type must fit its published schema (src/results/schemas.ts),
 * so a field added to a result without the schema, or retyped, fails `npm run typecheck`.
 */
import type { z } from 'zod';
import type { CreateResult } from '../commands/create.js';
import type { InitResult } from '../commands/init.js';
import type { ListResult } from '../commands/list.js';
import type { PreflightResult } from '../commands/preflight.js';
import type { PruneResult } from '../commands/prune-result.js';
import type { RestoreCommandResult } from '../commands/restore.js';
import type { ScheduleRunResult } from '../commands/schedule-run.js';
import type { VerifyResult } from '../commands/verify.js';
import type { DeleteResult } from '../commands/delete.js';
import type { ForgetResult } from '../commands/forget.js';
import type { GetResult } from '../commands/get.js';
import type { HoldResult } from '../commands/hold.js';
import type { ImportResult } from '../commands/import.js';
import type { ExportResult } from '../commands/export.js';
import type { AuditResult, AuditVerifyResult } from '../commands/audit.js';
import type { resultSchemas } from './schemas.js';

/** The schema's named fields, without the index signature that loose objects add (at every depth). */
type Named<T> = T extends readonly (infer E)[] ? Named<E>[] : T extends object ? { [K in keyof T as string extends K ? never : K]: Named<T[K]> } : T;
type Published<K extends keyof typeof resultSchemas> = Omit<Named<z.output<(typeof resultSchemas)[K]>>, 'schemaVersion'>;
/** Keys of the result type (at any depth) that the schema does not name; `never` when there are none. */
type Unpublished<A, P> = A extends readonly (infer E)[]
  ? Unpublished<E, NonNullable<P> extends readonly (infer F)[] ? F : never>
  : A extends object
    ? string extends keyof A
      ? never
      : { [K in keyof A]-?: K extends keyof NonNullable<P> ? Unpublished<A[K], NonNullable<P>[K]> : K }[keyof A]
    : never;
/** The result type is assignable to the schema's type and names no field the schema does not. */
type Fits<Actual extends Published<K>, K extends keyof typeof resultSchemas> = [Unpublished<Actual, Published<K>>] extends [never] ? true : { unpublished: Unpublished<Actual, Published<K>> };
type AllTrue<T extends true[]> = T;

export type Conformance = AllTrue<
  [
    Fits<CreateResult, 'create'>,
    Fits<ListResult, 'list'>,
    Fits<VerifyResult, 'verify'>,
    Fits<RestoreCommandResult, 'restore'>,
    Fits<PruneResult, 'prune'>,
    Fits<PreflightResult, 'preflight'>,
    Fits<ScheduleRunResult, 'schedule-run'>,
    Fits<InitResult, 'init'>,
    Fits<DeleteResult, 'delete'>,
    Fits<ForgetResult, 'forget'>,
    Fits<GetResult, 'get'>,
    Fits<HoldResult & { command: 'hold' }, 'hold'>,
    Fits<HoldResult & { command: 'release' }, 'release'>,
    Fits<ImportResult, 'import'>,
    Fits<ExportResult, 'export'>,
    Fits<AuditResult, 'audit'>,
    Fits<AuditVerifyResult, 'audit-verify'>,
  ]
>;
