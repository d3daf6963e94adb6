import { Transform, type TransformCallback } from 'node:stream';

/** A pass-through that counts the bytes flowing through it (what an upload actually sent). */
export class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}
