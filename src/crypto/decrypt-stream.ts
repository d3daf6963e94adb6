/**
 * Decrypts an age file as a stream: it collects the header, asks `openHeader` for the file key
 * (the only asynchronous step), then decrypts the payload chunk by chunk. Nothing is written to
 * disk and at most one 64 KiB chunk is held. Failures are handed to `describe`, which turns them
 * into one-line errors naming the archive.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { NONCE_SIZE, payloadKey, splitHeader } from './header.js';
import { PayloadDecryptor } from './stream.js';

/** The object is not an age file at all, or is cut short before its payload. */
export class NotAgeError extends Error {
  constructor(readonly reason: 'not-age' | 'truncated-header') {
    super(reason === 'not-age' ? 'not an age file' : 'ends inside its age header');
  }
}

/** Opening the header failed; `header` is kept to tell which keys it wanted. */
export class HeaderOpenError extends Error {
  constructor(
    readonly header: Buffer,
    readonly causeError: unknown,
  ) {
    super(causeError instanceof Error ? causeError.message : String(causeError));
  }
}

export class DecryptStream extends Transform {
  private head: Buffer = Buffer.alloc(0);
  private payload: PayloadDecryptor | undefined;

  constructor(
    private readonly openHeader: (header: Buffer) => Promise<Uint8Array>,
    private readonly describe: (error: unknown) => Error,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.payload) {
      this.guard(() => this.payload!.write(chunk), callback);
      return;
    }
    this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    const split = splitHeader(this.head);
    if (split.state === 'not-age') return callback(this.describe(new NotAgeError('not-age')));
    if (split.state === 'more' || split.rest.length < NONCE_SIZE) return callback();
    const { header, rest } = split;
    this.openHeader(header).then(
      (fileKey) => {
        this.payload = new PayloadDecryptor(payloadKey(fileKey, rest.subarray(0, NONCE_SIZE)), (plain) => this.push(plain));
        this.head = Buffer.alloc(0);
        this.guard(() => this.payload!.write(rest.subarray(NONCE_SIZE)), callback);
      },
      (error: unknown) => callback(this.describe(new HeaderOpenError(header, error))),
    );
  }

  override _flush(callback: TransformCallback): void {
    if (!this.payload) return callback(this.describe(new NotAgeError(this.head.length === 0 ? 'not-age' : 'truncated-header')));
    this.guard(() => this.payload!.end(), callback);
  }

  private guard(step: () => void, callback: TransformCallback): void {
    try {
      step();
    } catch (error) {
      return callback(this.describe(error));
    }
    callback();
  }
}
