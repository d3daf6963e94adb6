/**
 * Finds one stored entry (manifest.json) of a zip from its end: the end-of-central-directory
 * record, the central directory and the entry's local header, read through `readRange` over the
 * zip's plaintext. The streaming reader (zip-reader.ts) needs every entry's size from a sidecar
 * first; an archive file brought from elsewhere has no sidecar, only its own manifest, and that
 * sits at the end of the zip, so it is read from there. Zip64 records are followed for archives
 * over 4 GiB. Anything that does not parse is "not an orgbackup archive" (exit 5).
 */
import { VerificationError } from '../errors.js';

export type ReadRange = (start: number, length: number) => Promise<Buffer>;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const MAX32 = 0xffffffff;
/** The EOCD record (22 bytes) plus the longest comment a zip may carry. */
const EOCD_SEARCH = 22 + 0xffff;

function notAnArchive(what: string, why: string): VerificationError {
  return new VerificationError(`${what} is not an orgbackup archive (${why}); nothing was read from it`, {
    hint: 'pass a file written by orgbackup (`orgbackup get`, or an archive object copied from a storage), whole and unchanged',
  });
}

/** The bytes of the stored (uncompressed) entry `name`, read from the zip's end. */
export async function readEntryFromEnd(readRange: ReadRange, length: number, name: string, what: string): Promise<Buffer> {
  const { offset: cdOffset, size: cdSize } = await centralDirectory(readRange, length, what);
  if (cdOffset + cdSize > length) throw notAnArchive(what, 'its central directory lies outside the file');
  const cd = await readRange(cdOffset, cdSize);
  const found = findCentralEntry(cd, name, what);
  if (!found) throw notAnArchive(what, `it holds no ${name}`);
  if (found.method !== 0) throw notAnArchive(what, `its ${name} is compressed; orgbackup stores entries uncompressed`);
  const local = await readRange(found.localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_HEADER) throw notAnArchive(what, `no entry header where the directory puts ${name}`);
  const dataStart = found.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (dataStart + found.size > length) throw notAnArchive(what, `${name} runs past the end of the file`);
  return readRange(dataStart, found.size);
}

async function centralDirectory(readRange: ReadRange, length: number, what: string): Promise<{ offset: number; size: number }> {
  const searchStart = Math.max(0, length - EOCD_SEARCH);
  const tail = await readRange(searchStart, length - searchStart);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw notAnArchive(what, 'no zip directory at its end: not a zip, or truncated');
  const size = tail.readUInt32LE(at + 12);
  const offset = tail.readUInt32LE(at + 16);
  if (size !== MAX32 && offset !== MAX32) return { offset, size };
  // Zip64: a locator just before the EOCD points at the zip64 EOCD record.
  const locatorAt = searchStart + at - 20;
  if (locatorAt < 0) throw notAnArchive(what, 'its zip64 directory is missing');
  const locator = await readRange(locatorAt, 20);
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw notAnArchive(what, 'its zip64 directory is missing');
  const recordAt = Number(locator.readBigUInt64LE(8));
  if (recordAt + 56 > length) throw notAnArchive(what, 'its zip64 directory lies outside the file');
  const record = await readRange(recordAt, 56);
  if (record.readUInt32LE(0) !== ZIP64_EOCD) throw notAnArchive(what, 'its zip64 directory is damaged');
  return { size: Number(record.readBigUInt64LE(40)), offset: Number(record.readBigUInt64LE(48)) };
}

interface CentralEntry {
  method: number;
  size: number;
  localOffset: number;
}

function findCentralEntry(cd: Buffer, name: string, what: string): CentralEntry | undefined {
  let at = 0;
  while (at + 46 <= cd.length) {
    if (cd.readUInt32LE(at) !== CENTRAL_HEADER) throw notAnArchive(what, 'its zip directory is damaged');
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    const entryName = cd.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (entryName === name) {
      const extra = cd.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
      return { method: cd.readUInt16LE(at + 10), ...zip64Sizes(cd.readUInt32LE(at + 20), cd.readUInt32LE(at + 24), cd.readUInt32LE(at + 42), extra) };
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return undefined;
}

/** A field that is 0xFFFFFFFF in the central header is in the zip64 extra field, in this order. */
function zip64Sizes(compressed: number, uncompressed: number, localOffset: number, extra: Buffer): { size: number; localOffset: number } {
  const values = { uncompressed, compressed, localOffset };
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      for (const key of ['uncompressed', 'compressed', 'localOffset'] as const) {
        if (values[key] !== MAX32 || field + 8 > at + 4 + length) continue;
        values[key] = Number(extra.readBigUInt64LE(field));
        field += 8;
      }
    }
    at += 4 + length;
  }
  return { size: values.compressed, localOffset: values.localOffset };
}
