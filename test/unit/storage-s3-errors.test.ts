/** storage/s3-client.ts: S3 failures become NotFound/AlreadyExists or StorageErrors with hints. */
import { describe, expect, it } from 'vitest';
import { s3Error, type S3Where } from '../../src/storage/s3-client.js';
import { AlreadyExistsError, NotFoundError, StorageError } from '../../src/storage/types.js';

const failure = (name: string, status?: number, message = name) => Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
const put: S3Where = { storage: 'offsite', bucket: 'acme', root: 'prod/', objectKey: 'prod/app/42/t.zip', key: 'app/42/t.zip', action: 's3:PutObject' };
const list: S3Where = { storage: 'offsite', bucket: 'acme', root: 'prod/', objectKey: 'prod/', action: 's3:ListBucket' };

describe('s3Error', () => {
  it.each([
    ['AccessDenied on a put', failure('AccessDenied', 403), put, 'AccessDenied on PutObject: the policy needs s3:PutObject on arn:aws:s3:::acme/prod/*'],
    ['AccessDenied on a list', failure('AccessDenied', 403), list, 'AccessDenied on ListBucket: the policy needs s3:ListBucket on arn:aws:s3:::acme'],
    ['a missing bucket', failure('NoSuchBucket', 404), list, 'the bucket "acme" does not exist at this endpoint'],
    ['an unknown access key', failure('InvalidAccessKeyId', 403), list, 'the access key id is not known'],
    ['a wrong secret', failure('SignatureDoesNotMatch', 403), list, 'the secret access key does not match'],
    ['no credentials at all', failure('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), list, 'no AWS credentials were found'],
    ['another region', failure('PermanentRedirect', 301), list, 'is in another region'],
    ['an endpoint that refuses connections', Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' }), list, 'the S3 endpoint cannot be reached'],
    ['no region', failure('Error', undefined, 'Region is missing'), list, 'set "region"'],
  ])('%s', (_label, error, where, hint) => {
    const wrapped = s3Error(error, where);
    expect(wrapped).toBeInstanceOf(StorageError);
    expect(wrapped.message).toMatch(/^storage "offsite": /);
    expect((wrapped as StorageError).hint).toContain(hint);
  });

  it.each([
    ['NoSuchKey', failure('NoSuchKey', 404), NotFoundError],
    ['NotFound (HEAD)', failure('NotFound', 404), NotFoundError],
    ['PreconditionFailed (If-None-Match)', failure('PreconditionFailed', 412), AlreadyExistsError],
    ['ConditionalRequestConflict', failure('ConditionalRequestConflict', 409), AlreadyExistsError],
  ])('%s on a key', (_label, error, type) => {
    expect(s3Error(error, put)).toBeInstanceOf(type);
  });
});
