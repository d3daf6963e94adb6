/**
 * One storage of each kind for the suites that run the same scenario on local, S3 (s3rver) and
 * rclone storage: a config with one source `app` and that storage as its only one (so every
 * command has to read archives back from it), and where a stored key lives on this machine's disk,
 * for the checks a test makes behind the storage's back (a sidecar's content, an object's age).
 * Each config directory gets its own prefix (S3) or remote path (rclone), so suites sharing one
 * server never see each other's archives.
 */
import path from 'node:path';
import { beforeAll } from 'vitest';
import { startRclone, type RcloneFixture } from './rclone.js';
import type { Later } from './restore-fixtures.js';
import { s3StorageConfig, startS3rver, type S3rverHandle } from './s3rver.js';
import { writeConfig } from './tmp.js';

export interface StorageUnderTest {
  name: 'local' | 's3' | 'rclone';
  /** Writes `dir`/backup.config.json: source `app`, this storage only. */
  config: (dir: string, source: Record<string, unknown>) => Promise<string>;
  /** The file on this machine that holds `key` of the storage configured in `dir`. */
  file: (dir: string, key: string) => string;
}

function configIn(dir: string, source: Record<string, unknown>, storage: Record<string, unknown>): Promise<string> {
  return writeConfig(dir, { version: 1, sources: { app: source }, storage: { only: storage } });
}

export const localStorage: StorageUnderTest = {
  name: 'local',
  config: (dir, source) => configIn(dir, source, { type: 'local', path: path.join(dir, 'backups') }),
  file: (dir, key) => path.join(dir, 'backups', key),
};

export function s3Storage(s3: () => S3rverHandle): StorageUnderTest {
  return {
    name: 's3',
    config: (dir, source) => configIn(dir, source, s3StorageConfig(s3(), { prefix: path.basename(dir) })),
    // s3rver keeps an object as a file named after the key's last part with this suffix.
    file: (dir, key) => path.join(s3().dir, s3().bucket, path.basename(dir), `${key}._S3rver_object`),
  };
}

export function rcloneStorage(rc: () => RcloneFixture): StorageUnderTest {
  return {
    name: 'rclone',
    config: (dir, source) => configIn(dir, source, { type: 'rclone', remote: `${rc().localRemote}/${path.basename(dir)}`, configFile: rc().configFile }),
    file: (dir, key) => path.join(rc().localDir, path.basename(dir), key),
  };
}

/**
 * An s3rver and an rclone remote for the file's tests, started before them and stopped after every
 * other clean-up (restores read from the servers until the end).
 */
export function remoteStoragesForFile(later: Later): { s3: StorageUnderTest; rclone: StorageUnderTest } {
  let s3: S3rverHandle;
  let rc: RcloneFixture;
  beforeAll(async () => {
    [s3, rc] = await Promise.all([startS3rver(), startRclone()]);
    later(() => s3.stop(), { last: true });
    later(() => rc.stop(), { last: true });
  });
  return { s3: s3Storage(() => s3), rclone: rcloneStorage(() => rc) };
}
