/**
 * rclone for tests: a config file with a `local` remote over a temp directory, and
 * `rclone serve webdav` of another temp directory on 127.0.0.1 behind a `webdav` remote, so that
 * the rclone driver is tested both on a filesystem and over HTTP.
 */
import { execa, type ResultPromise } from 'execa';
import { readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './tmp.js';

export interface RcloneFixture {
  /** The rclone config file, with remotes `local` and `dav`. */
  configFile: string;
  /** Directory behind `local:` paths (the remote is used as `local:<localDir>`). */
  localDir: string;
  /** Directory `rclone serve webdav` serves as `dav:`. */
  davDir: string;
  localRemote: string;
  davRemote: string;
  stop(): Promise<void>;
}

async function serveWebdav(dir: string): Promise<{ child: ResultPromise; url: string }> {
  const child = execa('rclone', ['serve', 'webdav', dir, '--addr', '127.0.0.1:0', '--config', '/dev/null'], { reject: false, stdin: 'ignore', buffer: false });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const started = /Server started on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
      if (started) resolve(started[1]!);
    });
    void child.then((result) => reject(new Error(`rclone serve webdav exited (${result.exitCode ?? result.signal}): ${seen}`)));
  });
  return { child, url };
}

export async function startRclone(): Promise<RcloneFixture> {
  const tmp = await tempDir('orgbackup-rclone-');
  const localDir = path.join(tmp.dir, 'local');
  const davDir = path.join(tmp.dir, 'dav');
  await mkdir(localDir, { recursive: true });
  await mkdir(davDir, { recursive: true });
  const dav = await serveWebdav(davDir);
  const configFile = path.join(tmp.dir, 'rclone.conf');
  await writeFile(configFile, `[local]\ntype = local\n\n[dav]\ntype = webdav\nurl = ${dav.url}\nvendor = other\n`, { mode: 0o600 });
  return {
    configFile,
    localDir,
    davDir,
    localRemote: `local:${localDir}`,
    davRemote: 'dav:',
    stop: async () => {
      dav.child.kill('SIGTERM');
      await dav.child;
      await tmp.cleanup();
    },
  };
}

/** Temp objects of unfinished rclone puts anywhere under `dir` (rclone driver temp names). */
export async function rcloneTempFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.includes('.tmp-')).length;
}
