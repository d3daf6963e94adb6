/** The S3 driver against the shared storage conformance suite, on s3rver (loopback). */
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { s3StorageSchema } from '../../src/config/schema.js';
import { S3Storage } from '../../src/storage/s3.js';
import { s3StorageConfig, startS3rver } from '../helpers/s3rver.js';
import { storageConformance } from './storage-conformance.js';

storageConformance(
  's3 (s3rver)',
  async () => {
    const server = await startS3rver();
    // Smallest parts S3 allows, so the 12 MiB object takes three parts and two run at once.
    // Pages of 100 keys, so that 250 keys cross two page boundaries without writing thousands.
    const storage = new S3Storage('offsite', s3StorageSchema.parse(s3StorageConfig(server, { prefix: 'prod/eu', partSizeMiB: 5, queueSize: 2 })), { pageSize: 100 });
    return {
      storage,
      leftovers: async () => (await server.pendingUploads()).length,
      makeLeftover: async (key) => {
        const Key = storage.objectKey(key);
        const { UploadId } = await storage.client.send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key }));
        await storage.client.send(new UploadPartCommand({ Bucket: server.bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(1024) }));
      },
      cleanup: () => server.stop(),
    };
  },
  { manyKeys: 250, largeBytes: 12 * 1024 * 1024, cleanup: true },
);
