#!/usr/bin/env node
// An S3 protocol server on 127.0.0.1 for the tests (test/helpers/s3rver.ts) and bench/storage.mjs:
// s3rver from npm, in its own process so that a test can kill it mid-upload.
//   node --openssl-legacy-provider bench/s3rver-server.mjs <directory> <port|0> <bucket>...
// Prints {"port":N} on stdout when it listens. Credentials S3RVER/S3RVER, path-style.
//
// Why the flag: s3rver 3.7 makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
// has in its legacy provider; without it every listing longer than 1000 keys fails with HTTP 500.
// Why the middleware: s3rver 3.7 answers AbortMultipartUpload (405) and ListMultipartUploads (501)
// as unimplemented; both are added here on s3rver's own upload directory
// (<directory>/<bucket>/._S3rver_uploads/<uploadId>/), so the driver's abort and cleanup paths talk
// to a server as they would to AWS. Tests check leftovers by reading that directory, not these answers.
import { createRequire } from 'node:module';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');

const [dir, portArg, ...buckets] = process.argv.slice(2);
if (!dir || portArg === undefined) {
  console.error('usage: s3rver-server.mjs <directory> <port|0> <bucket>...');
  process.exit(2);
}

const uploadsDir = (bucket) => path.join(dir, bucket, '._S3rver_uploads');
const xml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function listUploads(bucket) {
  const ids = await readdir(uploadsDir(bucket)).catch(() => []);
  const uploads = [];
  for (const id of ids) {
    const key = await readFile(path.join(uploadsDir(bucket), id, 'key'), 'utf8').catch(() => undefined);
    const info = await stat(path.join(uploadsDir(bucket), id)).catch(() => undefined);
    if (key !== undefined && info) uploads.push({ id, key, initiated: info.mtime });
  }
  return uploads;
}

async function multipartExtras(ctx, next) {
  const [, bucket, ...rest] = ctx.path.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (ctx.method === 'DELETE' && bucket && key && ctx.query.uploadId) {
    const target = path.join(uploadsDir(bucket), path.basename(String(ctx.query.uploadId)));
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    await rm(target, { recursive: true, force: true });
    if (exists) {
      ctx.status = 204;
    } else {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    }
    return;
  }
  if (ctx.method === 'GET' && bucket && !key && 'uploads' in ctx.query) {
    const prefix = String(ctx.query.prefix ?? '');
    const uploads = (await listUploads(bucket)).filter((u) => u.key.startsWith(prefix));
    const items = uploads.map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('');
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket><Prefix>${xml(prefix)}</Prefix><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`;
    return;
  }
  await next();
}

const server = new S3rver({ address: '127.0.0.1', port: Number(portArg), directory: dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
// Koa composes its middleware when it starts listening, so this runs before s3rver's router.
server.middleware.unshift(multipartExtras);
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
