/**
 * What every provider's restore needs, checked after `plan` and before anything is copied: server
 * binaries of the backup's major, and room in the scratch (temp) directory for the restored copy.
 */
import { ExitCode, OrgbackupError } from '../errors.js';
import { freeBytes } from '../util/free-space.js';
import { serverBinaries } from './instance.js';
import type { PitrPlan } from './types.js';

const MIB = 1024 * 1024;

/** The bin directory of the server to run; throws (exit 4) when it is missing, the major is wrong, or the scratch directory is too small. */
export async function preflightRestore(plan: PitrPlan, scratch: string): Promise<string> {
  const binDir = await serverBinaries(plan.major);
  const free = await freeBytes(scratch);
  // The copy also grows by the WAL replayed into it: a tenth more, at least 64 MiB, keeps replay from filling the disk.
  const needed = plan.restoreBytes === undefined ? undefined : plan.restoreBytes + Math.max(64 * MIB, plan.restoreBytes / 10);
  if (needed !== undefined && free !== undefined && free < needed) {
    throw new OrgbackupError(
      `the temp directory ${scratch} has ${Math.floor(free / MIB)} MiB free, and restoring backup ${plan.backup} needs about ${Math.ceil(needed / MIB)} MiB`,
      ExitCode.preflight,
      { hint: 'point TMPDIR at a disk with room for the cluster copy (it is removed when the run ends)' },
    );
  }
  return binDir;
}
