/**
 * Writing a restore's spool file (a dump copied or decompressed into the run's private temp
 * directory, 0600) and saying clearly when that directory is full: ENOSPC is an operator's
 * problem with an operator's fix, not an internal error.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExitCode, OrgbackupError } from '../errors.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export async function spoolTo(stream: Readable, file: string, what: string, signal: AbortSignal): Promise<void> {
  try {
    await pipeline(stream, createWriteStream(file, { mode: 0o600 }), { signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !FULL.has(code)) throw error;
    const dir = path.dirname(path.dirname(file));
    throw new OrgbackupError(`the temp directory ${dir} is full (${code}) while writing ${what}; the restore stopped and nothing was loaded from it`, ExitCode.failed, {
      hint: `free space there, or set TMPDIR to a directory on a larger filesystem (it needs room for ${what})`,
      cause: error,
    });
  }
}
