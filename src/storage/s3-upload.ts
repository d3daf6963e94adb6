/**
 * One streamed upload to S3 with bounded memory: lib-storage cuts the stream into parts of
 * `partSize` and sends up to `queueSize` at once (memory about partSize x (queueSize + 1)); a body
 * shorter than one part goes up as a single PutObject. Any failure or abort ends with
 * AbortMultipartUpload, sent by us (not lib-storage) so that the original error is the one reported
 * and so that the put settles only once no part can still land.
 */
import { AbortMultipartUploadCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { ByteCounter } from '../util/byte-counter.js';

export interface UploadRequest {
  client: S3Client;
  params: Omit<PutObjectCommandInput, 'Body'>;
  body: Readable | Buffer;
  partSize: number;
  queueSize: number;
  signal?: AbortSignal;
}

interface UploadInternals {
  uploadId?: string;
  createMultiPartPromise?: Promise<{ UploadId?: string }>;
}

/** Uploads the body; on failure aborts the multipart upload and rethrows the original error. */
export async function uploadObject(request: UploadRequest): Promise<number> {
  const { signal } = request;
  signal?.throwIfAborted();
  const counter = new ByteCounter({ highWaterMark: 1024 * 1024 });
  const source = Buffer.isBuffer(request.body) ? Readable.from([request.body]) : request.body;
  // A body that fails mid-way, or the run's abort, destroys the counter: lib-storage's reader
  // then fails, every uploader stops, and no further part is sent.
  source.once('error', (error) => counter.destroy(error));
  source.pipe(counter);
  const onAbort = () => counter.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  const upload = new Upload({
    client: request.client,
    params: { ...request.params, Body: counter },
    partSize: request.partSize,
    queueSize: request.queueSize,
    leavePartsOnError: true,
  });
  try {
    await upload.done();
    return counter.bytes;
  } catch (error) {
    // Like a failed pipeline: the body is destroyed so that whatever produces it stops.
    source.destroy();
    await abortMultipart(request, upload as unknown as UploadInternals, error);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function abortMultipart(request: UploadRequest, internals: UploadInternals, error: unknown): Promise<void> {
  const uploadId = internals.uploadId ?? (await internals.createMultiPartPromise?.catch(() => undefined))?.UploadId;
  if (!uploadId) return;
  try {
    // Not under the run's signal: the abort must still be sent when the run is being interrupted.
    await request.client.send(new AbortMultipartUploadCommand({ Bucket: request.params.Bucket, Key: request.params.Key, UploadId: uploadId }));
  } catch (abortError) {
    // The server is unreachable: the parts stay until cleanupIncomplete (prune) or the bucket's
    // AbortIncompleteMultipartUpload lifecycle rule removes them; say so in the error.
    if (error instanceof Error) {
      Object.assign(error, { orphanUploadId: uploadId, abortError });
    }
  }
}
