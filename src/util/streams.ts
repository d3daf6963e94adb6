import { PassThrough, Writable, type Readable } from 'node:stream';

/** Resolves when a writable drains or closes, removing both listeners (no listener build-up). */
export function drainOrClose(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle).off('close', settle);
      resolve();
    };
    stream.on('drain', settle).on('close', settle);
  });
}

/** Reads up to `limit` bytes (or to the end) without losing what comes after. */
export async function readHead(stream: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= limit) finish(false);
    };
    const onEnd = () => finish(true);
    const finish = (ended: boolean) => {
      stream.off('data', onData).off('end', onEnd).off('error', reject);
      stream.pause();
      resolve({ chunks, ended });
    };
    stream.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** A stream of `head` followed by the rest of `stream` (after readHead paused it). */
export function rejoin(head: readonly Buffer[], stream: Readable): Readable {
  const out = new PassThrough();
  for (const chunk of head) out.write(chunk);
  stream.on('error', (error) => out.destroy(error)).pipe(out);
  return out;
}

/** A sink for tool output nobody reads (pg_restore --list prints the table of contents). */
export function devNull(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}
