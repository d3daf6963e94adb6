/**
 * What every provider's restore needs, checked after `plan` and before anything is copied: server
 * binaries of the backup's major, room in the scratch (temp) directory for the restored copy, and
 * archived WAL from the backup to the target time without a gap (wal-coverage.ts).
 */
import { ExitCode, OrgbackupError } from '../errors.js';
import { freeBytes } from '../util/free-space.js';
import { serverBinaries } from './instance.js';
import type { PitrPlan, PitrProvider, RestoreOptions } from './types.js';
import { checkWalReaches, type WalCoverage } from './wal-coverage.js';

const MIB = 1024 * 1024;

export interface Preflight {
  /** The bin directory of the server to run. */
  binDir: string;
  wal: WalCoverage;
}

/** Throws (exit 4) when the binaries are missing or of another major, WAL does not reach `at`, or the scratch directory is too small. */
export async function preflightRestore(provider: PitrProvider, plan: PitrPlan, at: Date, options: RestoreOptions): Promise<Preflight> {
  const binDir = await serverBinaries(plan.major);
  const free = await freeBytes(options.scratch);
  // The copy also grows by the WAL replayed into it: a tenth more, at least 64 MiB, keeps replay from filling the disk.
  const needed = plan.restoreBytes === undefined ? undefined : plan.restoreBytes + Math.max(64 * MIB, plan.restoreBytes / 10);
  if (needed !== undefined && free !== undefined && free < needed) {
    throw new OrgbackupError(
      `the temp directory ${options.scratch} has ${Math.floor(free / MIB)} MiB free, and restoring backup ${plan.backup} needs about ${Math.ceil(needed / MIB)} MiB`,
      ExitCode.preflight,
      { hint: 'point TMPDIR at a disk with room for the cluster copy (it is removed when the run ends)' },
    );
  }
  // Last: it reads WAL (a pgBackRest segment is copied into the scratch directory to be read).
  const wal = await checkWalReaches(provider.walArchive(plan, options), plan.walStart, at, binDir, options.signal);
  return { binDir, wal };
}
