/**
 * Point-in-time restore of one tenant (docs/pitr.md): a physical backup of the source's cluster is
 * restored into a private data directory, recovered to the requested time by a throwaway
 * PostgreSQL instance, and the tenant is read from it with create's own code.
 *
 * A provider knows one physical backup tool: its config schema (provider-schemas.ts), one file with
 * its code, and one `PitrProviderDefinition` entry in providers.ts; nothing else names it.
 * What a provider must do (the rest of orgbackup sees only this): say which backup it would use for
 * a time (`plan`, run by preflight before anything is written), list and fetch the segments of its
 * WAL archive (`walArchive`: the preflight checks from them that WAL reaches the time, without a
 * gap), put that backup into an empty data directory, and say how WAL is fetched (a
 * `restore_command`). The instance, recovery settings, promotion, free-space and server-binary
 * checks and clean-up are the same for every provider (instance.ts, recovered-source.ts).
 *
 * This file imports nothing of orgbackup's: the config schema is built from the providers'
 * schemas, so a provider must not depend on the config or the context.
 */
import type { z } from 'zod';

/** What a provider logs through (structurally the context's Logger). */
export interface PitrLog {
  info(msg: string, fields?: Record<string, unknown>): void;
}

/** The backup a restore to a time would use: found by `plan`, checked by preflight, used by `restoreInto`. */
export interface PitrPlan {
  /** The base backup used (its directory or label), for messages. */
  backup: string;
  /** When that backup started (recovery cannot stop before its end). */
  backupStartedAt: Date;
  /** PostgreSQL major version of the copy (PG_VERSION). */
  major: string;
  /** Bytes the physical restore writes into the scratch directory; undefined when the tool cannot tell. */
  restoreBytes?: number;
  /** The WAL segment the backup starts in (its backup_label's START WAL LOCATION): recovery reads WAL from there on. */
  walStart: string;
}

/** A provider's WAL archive as the preflight reads it (wal-coverage.ts): names, and a segment's contents. */
export interface WalArchive {
  /** e.g. `/backups/wal` or `pgBackRest stanza main`, for messages. */
  where: string;
  /** The WAL segment names (24 hex digits) the archive holds, sorted. */
  segments(): Promise<string[]>;
  /** The contents of `TTTTTTTT.history`, undefined when the archive has none. */
  history(tli: number): Promise<string | undefined>;
  /** Calls `use` with a local, uncompressed file holding the segment (a copy the provider removes afterwards, or the archive's own file). */
  fetch<T>(segment: string, use: (file: string) => Promise<T>): Promise<T>;
}

export interface PhysicalRestore extends PitrPlan {
  /** The `restore_command` that fetches archived WAL segments (%f, %p as PostgreSQL defines them). */
  restoreCommand: string;
}

/** Which part of the cluster the tenant read needs: a provider that can restore less may. */
export interface RestoreScope {
  /** The databases the tenant read connects to (the source's, and in database mode the tenant's). */
  databases: string[];
}

export interface RestoreOptions {
  signal: AbortSignal;
  log: PitrLog;
  /** A private directory of the run a provider may keep its own files in (locks, logs). */
  scratch: string;
}

export interface PitrProvider {
  /** e.g. `base backups in /backups/base, WAL archive /backups/wal`. */
  describe(): string;
  /**
   * The backup for `at`; fails with a clear error (exit 4, or 2 for a config problem) when the tool
   * or its repository cannot be reached, or no backup began before `at`.
   */
  plan(at: Date, scope: RestoreScope, options: RestoreOptions): Promise<PitrPlan>;
  /** The archive the WAL for `plan` is read from; a copy of a segment goes into `options.scratch`. */
  walArchive(plan: PitrPlan, options: RestoreOptions): WalArchive;
  restoreInto(dataDir: string, plan: PitrPlan, at: Date, scope: RestoreScope, options: RestoreOptions): Promise<PhysicalRestore>;
}

/** Where the provider's config sits: its key for messages, the directory relative paths are resolved against. */
export interface ProviderPlace {
  key: string;
  baseDir: string;
}

/** One provider: its `pitr` config schema (a strict object whose `type` is a literal) and how to open it (loading its code). */
export interface PitrProviderDefinition<Schema extends z.ZodObject<{ type: z.ZodLiteral<string> }>> {
  schema: Schema;
  open(config: z.infer<Schema>, place: ProviderPlace): Promise<PitrProvider>;
}
