/**
 * An archive entry's body on its way into a loading tool, hashed as it flows (archive/reader.ts):
 * `done` rejects when the bytes differ from the manifest. When that happens the tool usually fails
 * too (its input ended early or made no sense), and that error may arrive first; `rootCause`
 * reports the digest failure instead, which says what really happened (exit 5).
 */
import type { Readable } from 'node:stream';
import { checkedEntryStream } from '../archive/reader.js';
import { VerificationError } from '../errors.js';

/** The verify pass read the same object a moment before and found it intact. */
const SECOND_READ_HINT =
  'the restore read other bytes than the verification just before it (the object changed in storage, or the storage served other data); nothing was committed: restore again, or use another archive';

export interface VerifiedEntry {
  stream: Readable;
  done: Promise<void>;
  rootCause(error: unknown): unknown;
}

export function verifiedEntry(body: AsyncIterable<Buffer>): VerifiedEntry {
  const checked = checkedEntryStream(body);
  let failure: unknown;
  checked.done.catch((error: unknown) => {
    if (error instanceof VerificationError) error.withHint(SECOND_READ_HINT);
    failure = error;
  });
  return { stream: checked.stream, done: checked.done, rootCause: (error) => failure ?? error };
}
