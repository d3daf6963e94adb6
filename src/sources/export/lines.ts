/**
 * An archive entry's body as text lines: verified as it is read (its sha256 checked at its end by
 * the archive reader), decompressed by its name's suffix, split on LF. A digest failure is
 * reported as itself (exit 5), not as the decompressor's error it also causes.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { compressionOfEntry, decompress } from '../compression.js';
import { verifiedEntry } from '../verified-entry.js';

export async function* entryLines(entry: string, body: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<string> {
  const checked = verifiedEntry(body);
  try {
    const plain = await decompress(checked.stream, compressionOfEntry(entry), signal);
    yield* splitLines(plain.stdout);
    await Promise.all([plain.done, checked.done]);
  } catch (error) {
    throw checked.rootCause(error);
  }
}

/** A byte stream's UTF-8 lines, without their LF; a last line without LF is yielded too. */
export async function* splitLines(stream: Readable | AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) yield line;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}
