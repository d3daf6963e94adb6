/**
 * The age payload (age-encryption.org/v1 "STREAM"): the plaintext in 64 KiB chunks, each sealed
 * with ChaCha20-Poly1305 under the payload key, with an 11-byte big-endian chunk counter and a
 * last-chunk flag as nonce. Done with node:crypto (OpenSSL) rather than the age-encryption
 * package's pure-JS cipher: about 20x faster in process (bench/RESULTS.md "Encryption"), and the
 * bytes are the same standard format the stock `age` CLI reads and writes.
 *
 * Memory stays bounded: one chunk buffer per stream, with the usual stream backpressure.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const PLAIN_CHUNK = 64 * 1024;
export const TAG_SIZE = 16;
export const CIPHER_CHUNK = PLAIN_CHUNK + TAG_SIZE;

/** Raised when a chunk fails authentication: the ciphertext was altered or cut short. */
export class ChunkAuthError extends Error {
  constructor(
    readonly chunkIndex: number,
    readonly reason: 'altered' | 'truncated',
  ) {
    super(reason === 'truncated' ? `the encrypted data ends after chunk ${chunkIndex} without its final chunk` : `encrypted chunk ${chunkIndex} fails authentication`);
  }
}

function chunkNonce(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  // A 48-bit counter is plenty (16 EiB of plaintext); bytes 0-4 of the 88-bit counter stay zero.
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

export function sealChunk(key: Buffer, index: number, last: boolean, plain: Buffer): Buffer[] {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(index, last), { authTagLength: TAG_SIZE });
  const body = cipher.update(plain);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

/** Returns the plaintext, or undefined when the chunk does not authenticate. */
export function openChunk(key: Buffer, index: number, last: boolean, sealed: Buffer): Buffer | undefined {
  if (sealed.length < TAG_SIZE) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(index, last), { authTagLength: TAG_SIZE });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plain;
}

/**
 * Collects bytes into fixed-size chunks. A full chunk is handed on only when more bytes follow it,
 * because whether a chunk is the last one (flagged in its nonce) is known only then.
 */
export class Chunker {
  private readonly buffer: Buffer;
  private used = 0;
  index = 0;

  constructor(
    size: number,
    private readonly onChunk: (chunk: Buffer, index: number) => void,
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  write(data: Buffer): void {
    let rest = data;
    while (rest.length > 0) {
      if (this.used === this.buffer.length) {
        this.onChunk(this.buffer, this.index++);
        this.used = 0;
      }
      const n = Math.min(this.buffer.length - this.used, rest.length);
      rest.copy(this.buffer, this.used, 0, n);
      this.used += n;
      rest = rest.subarray(n);
    }
  }

  /** What is left: the last chunk (possibly full, empty only when nothing was written). */
  rest(): Buffer {
    return this.buffer.subarray(0, this.used);
  }
}

/** Encrypts a plaintext stream into `prefix` (the age header and nonce) followed by the payload. */
export class EncryptStream extends Transform {
  private chunker: Chunker | undefined;
  private payloadKey: Buffer | undefined;

  constructor(private readonly keys: Promise<{ prefix: Buffer; payloadKey: Buffer }>) {
    super({ highWaterMark: CIPHER_CHUNK });
  }

  private async ready(): Promise<Chunker> {
    if (this.chunker) return this.chunker;
    const { prefix, payloadKey } = await this.keys;
    this.push(prefix);
    this.chunker = new Chunker(PLAIN_CHUNK, (chunk, index) => {
      for (const part of sealChunk(payloadKey, index, false, chunk)) this.push(part);
    });
    this.payloadKey = payloadKey;
    return this.chunker;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.ready().then((chunker) => {
      chunker.write(chunk);
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.ready().then((chunker) => {
      for (const part of sealChunk(this.payloadKey!, chunker.index, true, chunker.rest())) this.push(part);
      callback();
    }, callback);
  }
}

/** Decrypts an age payload (after the header and nonce) with the payload key. */
export class PayloadDecryptor {
  private readonly chunker: Chunker;

  constructor(
    private readonly payloadKey: Buffer,
    private readonly emit: (plain: Buffer) => void,
  ) {
    this.chunker = new Chunker(CIPHER_CHUNK, (chunk, index) => this.open(chunk, index, false));
  }

  write(data: Buffer): void {
    this.chunker.write(data);
  }

  end(): void {
    const last = this.chunker.rest();
    const index = this.chunker.index;
    if (last.length < TAG_SIZE) throw new ChunkAuthError(index, 'truncated');
    const plain = this.open(last, index, true);
    // The final chunk may be empty only when it is the only one (age spec).
    if (plain.length === 0 && index > 0) throw new ChunkAuthError(index, 'altered');
  }

  private open(sealed: Buffer, index: number, last: boolean): Buffer {
    const plain = openChunk(this.payloadKey, index, last, sealed);
    if (!plain) {
      // A full chunk that only authenticates as the last one means the data after it is missing.
      if (!last || openChunk(this.payloadKey, index, false, sealed) === undefined) throw new ChunkAuthError(index, 'altered');
      throw new ChunkAuthError(index, 'truncated');
    }
    this.emit(plain);
    return plain;
  }
}
