/**
 * WAL segment and timeline history names as PostgreSQL writes them into a WAL archive, and which
 * segments a recovery from a base backup reads (pure functions, no I/O). A segment is
 * `TTTTTTTTXXXXXXXXYYYYYYYY` (timeline, then the segment number split in two); a timeline's
 * history file `TTTTTTTT.history` lists its ancestors and the LSN at which each one ended.
 */

export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
const FOUR_GIB = 0x100000000;

export interface SegmentName {
  tli: number;
  segno: number;
}

/** The timeline and segment number of a segment name (or a name it starts, like pgBackRest's `<name>-<sha1>.gz`). */
export function parseSegmentName(name: string, segmentBytes = DEFAULT_SEGMENT_BYTES): SegmentName | undefined {
  const m = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(?:$|-)/.exec(name);
  if (!m) return undefined;
  return { tli: parseInt(m[1]!, 16), segno: parseInt(m[2]!, 16) * (FOUR_GIB / segmentBytes) + parseInt(m[3]!, 16) };
}

export function segmentName(tli: number, segno: number, segmentBytes = DEFAULT_SEGMENT_BYTES): string {
  const perLog = FOUR_GIB / segmentBytes;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(tli)}${hex(Math.floor(segno / perLog))}${hex(segno % perLog)}`;
}

/** `0/3000060` -> 0x3000060. */
export function parseLsn(text: string): bigint | undefined {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : undefined;
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The LSN just past the end of a segment. */
export function segmentEndLsn(segno: number, segmentBytes = DEFAULT_SEGMENT_BYTES): bigint {
  return BigInt(segno + 1) * BigInt(segmentBytes);
}

/** A timeline of the chain recovery follows: it holds WAL from `begin` up to `end` (undefined: no end). */
export interface TimelineRange {
  tli: number;
  begin: bigint;
  end?: bigint;
}

/** `TTTTTTTT.history` lines (`1\t0/3000060\treason`) -> the ancestors' ranges, then `tli` itself, oldest first. */
export function timelineChain(tli: number, history: string | undefined): TimelineRange[] {
  const chain: TimelineRange[] = [];
  let begin = 0n;
  for (const line of (history ?? '').split('\n')) {
    const m = /^\s*(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/.exec(line);
    if (!m) continue;
    const end = parseLsn(m[2]!)!;
    chain.push({ tli: Number(m[1]), begin, end });
    begin = end;
  }
  chain.push({ tli, begin });
  return chain;
}

export interface WalRun {
  /** The segments recovery would read, contiguous from the backup's start segment. */
  segments: string[];
  /** The first segment recovery needs that the archive lacks, when the run stops before the archive's end. */
  missing?: string;
  /** Whether the archive holds segments of the chain after `missing` (a gap, rather than the end). */
  gap: boolean;
}

/**
 * The segments recovery reads from `start` on, as PostgreSQL picks them: for each segment number the
 * newest timeline of the chain that covers it and whose file the archive has.
 */
export function contiguousRun(archived: readonly string[], chain: readonly TimelineRange[], start: SegmentName, segmentBytes = DEFAULT_SEGMENT_BYTES): WalRun {
  const have = new Set(archived);
  const chainTlis = new Set(chain.map((t) => t.tli));
  const parsed = archived.map((n) => parseSegmentName(n, segmentBytes)).filter((s): s is SegmentName => !!s && chainTlis.has(s.tli));
  const last = Math.max(start.segno - 1, ...parsed.map((s) => s.segno));
  const bytes = BigInt(segmentBytes);
  const segments: string[] = [];
  for (let segno = start.segno; segno <= last; segno++) {
    const first = BigInt(segno) * bytes;
    // Newest first; a timeline covers a segment from the one its begin LSN is in to the one its end is in.
    const covering = [...chain].reverse().filter((t) => t.tli >= start.tli && t.begin < first + bytes && (t.end === undefined || t.end >= first));
    const found = covering.map((t) => segmentName(t.tli, segno, segmentBytes)).find((n) => have.has(n));
    if (!found) return { segments, missing: segmentName(covering[0]?.tli ?? start.tli, segno, segmentBytes), gap: true };
    segments.push(found);
  }
  return { segments, gap: false };
}
