import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through that hashes and counts what flows through it, in the same pass. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private digestValue: string | undefined;

  /** `onChunk` sees each chunk's size (for progress) without taking data from the stream. */
  constructor(private readonly onChunk?: (bytes: number) => void) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onChunk?.(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digestValue = this.hash.digest('hex');
    callback();
  }

  /** The sha256 hex digest; only once the stream has ended. */
  get sha256(): string {
    if (this.digestValue === undefined) throw new Error('internal: digest read before the stream ended');
    return this.digestValue;
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
