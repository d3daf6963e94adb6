/**
 * The archive's bytes kept in the run's private temp dir while it is uploaded, so that a remote
 * upload that fails transiently part-way can be replayed (storage/retry.ts): the dump runs once and
 * cannot be re-read. The spool is written alongside the live upload (no extra wait when nothing
 * fails) and a retry opens a fresh read of it once it is complete. A spool that cannot be written
 * (disk full) does not fail the run: only a retry, which then has nothing to replay, fails.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../errors.js';

export interface ArchiveSpool {
  sink: Writable;
  /** A fresh stream of the whole archive, once every byte has been spooled. */
  replay: () => Promise<Readable>;
  remove: () => Promise<void>;
}

export function openSpool(tempDir: string): ArchiveSpool {
  const file = path.join(tempDir, `upload-spool-${randomBytes(6).toString('hex')}`);
  const sink = createWriteStream(file, { mode: 0o600 });
  const complete = new Promise<void>((resolve, reject) => {
    sink.once('finish', resolve);
    sink.once('error', reject);
    sink.once('close', () => reject(new Error('the archive stopped before it was complete')));
  });
  // Looked at only when a retry needs it.
  complete.catch(() => undefined);
  return {
    sink,
    replay: async () => {
      try {
        await complete;
      } catch (error) {
        throw new Error(`the upload cannot be retried: the archive could not be spooled to ${file} (${errorMessage(error)}); free space in the temp dir (TMPDIR) and run again`, {
          cause: error,
        });
      }
      return createReadStream(file, { highWaterMark: 1024 * 1024 });
    },
    remove: async () => {
      sink.destroy();
      await rm(file, { force: true });
    },
  };
}
