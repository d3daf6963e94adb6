/**
 * An S3 protocol server on 127.0.0.1 for tests: s3rver (npm) in its own process
 * (bench/s3rver-server.mjs, which says why it needs --openssl-legacy-provider and which two S3
 * calls it adds), on a free port with its own temp directory, path-style, credentials S3RVER/S3RVER.
 * Being a process, it can be killed mid-upload and started again on the same port and directory.
 */
import { execa, type ResultPromise } from 'execa';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './cli.js';
import { tempDir } from './tmp.js';

export const S3RVER_SCRIPT = path.join(ROOT, 'bench/s3rver-server.mjs');
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3rverHandle {
  endpoint: string;
  port: number;
  dir: string;
  bucket: string;
  /** Keys of the multipart uploads s3rver holds on disk (started, neither completed nor aborted). */
  pendingUploads(bucket?: string): Promise<string[]>;
  /** SIGKILLs the server process. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function launch(dir: string, port: number, buckets: string[]): Promise<{ child: ResultPromise; port: number }> {
  const child = execa(process.execPath, ['--openssl-legacy-provider', S3RVER_SCRIPT, dir, String(port), ...buckets], { reject: false, stdin: 'ignore', stderr: 'pipe', buffer: false });
  const ready = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = /\{"port":(\d+)\}/.exec(seen);
      if (line) resolve(Number(line[1]));
    });
    void child.then((result) => reject(new Error(`s3rver exited before listening (${result.exitCode ?? result.signal}): ${String(result.stderr ?? '')}`)));
  });
  return { child, port: ready };
}

export async function startS3rver(options: { buckets?: string[] } = {}): Promise<S3rverHandle> {
  const tmp = await tempDir('orgbackup-s3rver-');
  const buckets = options.buckets ?? ['backups'];
  let { child, port } = await launch(tmp.dir, 0, buckets);
  const kill = async () => {
    child.kill('SIGKILL');
    await child;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir: tmp.dir,
    bucket: buckets[0]!,
    pendingUploads: async (bucket = buckets[0]!) => {
      const root = path.join(tmp.dir, bucket, '._S3rver_uploads');
      const ids = await readdir(root).catch(() => [] as string[]);
      return Promise.all(ids.map((id) => readFile(path.join(root, id, 'key'), 'utf8').catch(() => `(upload ${id})`)));
    },
    kill,
    restart: async () => {
      await kill();
      ({ child, port } = await launch(tmp.dir, port, []));
    },
    stop: async () => {
      await kill();
      await tmp.cleanup();
    },
  };
}

/** A storage config entry for the server. */
export function s3StorageConfig(server: S3rverHandle, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 's3', bucket: server.bucket, endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', ...S3RVER_CREDENTIALS, ...extra };
}
