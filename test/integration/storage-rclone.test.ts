/**
 * The rclone driver against the shared storage conformance suite: a `local` remote, and a
 * `webdav` remote served by `rclone serve webdav` on 127.0.0.1. Also: a missing binary and an
 * unknown remote give clear errors.
 */
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RcloneStorage } from '../../src/storage/rclone.js';
import { RetryingStorage } from '../../src/storage/retry.js';
import { StorageError } from '../../src/storage/types.js';
import { rcloneTempFiles, startRclone, type RcloneFixture } from '../helpers/rclone.js';
import { storageConformance, type ConformanceTarget } from './storage-conformance.js';

async function target(kind: 'local' | 'dav'): Promise<ConformanceTarget> {
  const fixture = await startRclone();
  const remote = kind === 'local' ? `${fixture.localRemote}/backups` : 'dav:backups';
  const root = path.join(kind === 'local' ? fixture.localDir : fixture.davDir, 'backups');
  const storage = new RetryingStorage(new RcloneStorage(`rclone-${kind}`, { type: 'rclone', remote, configFile: fixture.configFile }, '/'));
  return {
    storage,
    leftovers: () => rcloneTempFiles(root),
    // Through rclone, as a killed rcat would leave it: `rclone serve webdav` caches listings and
    // would not see a file written behind its back.
    makeLeftover: async (key) => {
      const slash = key.lastIndexOf('/');
      const temp = `${key.slice(0, slash + 1)}.${key.slice(slash + 1)}.tmp-999-deadbeef`;
      await execa('rclone', ['--config', fixture.configFile, 'rcat', `${remote}/${temp}`], { input: 'half' });
    },
    cleanup: () => fixture.stop(),
  };
}

// rclone's listing is read as rclone prints it (storage-rclone-stream.test.ts); no page size to cross here. Each put is four rclone runs.
const sizes = { manyKeys: 40, largeBytes: 12 * 1024 * 1024, cleanup: true };
storageConformance('rclone local remote', () => target('local'), sizes);
storageConformance('rclone webdav remote (rclone serve webdav)', () => target('dav'), sizes);

describe('rclone driver errors', () => {
  let fixture: RcloneFixture;
  beforeAll(async () => {
    fixture = await startRclone();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('names an unknown remote and says how to define it', async () => {
    const storage = new RcloneStorage('drive', { type: 'rclone', remote: 'gdrive:acme', configFile: fixture.configFile }, '/');
    const error = await storage.exists('x/y.zip').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/does not know the remote "gdrive"/);
    expect((error as StorageError).hint).toMatch(/rclone config/);
  });

  it('says so when the rclone binary is missing', async () => {
    const storage = new RcloneStorage('drive', { type: 'rclone', remote: fixture.localRemote, configFile: fixture.configFile }, '/');
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await storage.exists('x/y.zip').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toMatch(/rclone binary "rclone" was not found/);
      expect((error as StorageError).hint).toMatch(/install rclone/);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
