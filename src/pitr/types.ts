/**
 * Point-in-time restore of one tenant (docs/pitr.md): a physical backup of the source's cluster is
 * restored into a private data directory, recovered to the requested time by a throwaway
 * PostgreSQL instance, and the tenant is read from it with create's own code.
 *
 * A provider knows one physical backup tool. What it must provide (the rest of orgbackup sees only
 * this): put the newest backup that began before the target time into an empty data directory, and
 * say how WAL is fetched (a `restore_command`) and which PostgreSQL major the copy needs. The
 * instance, recovery settings, promotion and clean-up are the same for every provider (instance.ts).
 * WAL-G or barman would be one more file implementing this, plus one line in providers.ts.
 */
import type { Logger } from '../context.js';

export interface PhysicalRestore {
  /** The base backup used, for messages and the manifest. */
  backup: string;
  /** When that backup started (recovery cannot stop before its end). */
  backupStartedAt: Date;
  /** PostgreSQL major version of the copy (PG_VERSION). */
  major: string;
  /** The `restore_command` that fetches archived WAL segments (%f, %p as PostgreSQL defines them). */
  restoreCommand: string;
}

export interface PitrProvider {
  /** e.g. `basebackup /backups/base + WAL /backups/wal`. */
  describe(): string;
  /** Fails with a clear error when the backups cannot be read or none began before `at`. */
  check(at: Date): Promise<void>;
  restoreInto(dataDir: string, at: Date, options: { signal: AbortSignal; log: Logger }): Promise<PhysicalRestore>;
}
