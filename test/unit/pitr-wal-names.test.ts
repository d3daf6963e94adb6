/** WAL names, timelines and the contiguous run recovery reads (src/pitr/wal-names.ts), pg_waldump's commit lines and the server log's restored segments. */
import { describe, expect, it } from 'vitest';
import { labelWalStart } from '../../src/pitr/basebackup.js';
import { lastRestoredSegment } from '../../src/pitr/step-progress.js';
import { commitTimes } from '../../src/pitr/waldump.js';
import { contiguousRun, formatLsn, parseLsn, parseSegmentName, segmentName, timelineChain } from '../../src/pitr/wal-names.js';

const MIB = 1024 * 1024;

describe('segment names', () => {
  it.each([
    ['000000010000000000000003', 16 * MIB, { tli: 1, segno: 3 }],
    ['0000000200000001000000A0', 16 * MIB, { tli: 2, segno: 256 + 0xa0 }],
    ['000000010000000100000001', 64 * MIB, { tli: 1, segno: 64 + 1 }],
    ['000000010000000000000003-9082cc6af09fe1f212f106698293dc23ab0f7f85.gz', 16 * MIB, { tli: 1, segno: 3 }],
    ['000000010000000000000002.00000028.backup', 16 * MIB, undefined],
    ['00000002.history', 16 * MIB, undefined],
  ])('%s (%d-byte segments)', (name, bytes, expected) => {
    expect(parseSegmentName(name, bytes)).toEqual(expected);
    if (expected) expect(segmentName(expected.tli, expected.segno, bytes)).toBe(name.slice(0, 24));
  });

  it.each([
    ['0/3000060', 0x3000060n],
    ['1A/FF', (0x1an << 32n) | 0xffn],
  ])('LSN %s', (text, lsn) => {
    expect(parseLsn(text)).toBe(lsn);
    expect(formatLsn(lsn)).toBe(text.toUpperCase());
  });
});

const S = (tli: number, segno: number) => segmentName(tli, segno);

describe('the run of segments recovery reads from the backup start', () => {
  const one = timelineChain(1, undefined);
  // Timeline 2 branched off timeline 1 in segment 5.
  const two = timelineChain(2, '1\t0/5000100\tno recovery target specified\n');
  it.each([
    { case: 'whole archive', archived: [S(1, 2), S(1, 3), S(1, 4)], chain: one, start: 2, segments: [S(1, 2), S(1, 3), S(1, 4)], missing: undefined, gap: false },
    { case: 'older segments before the backup are ignored', archived: [S(1, 1), S(1, 2), S(1, 3)], chain: one, start: 2, segments: [S(1, 2), S(1, 3)], missing: undefined, gap: false },
    { case: 'a gap in the middle', archived: [S(1, 2), S(1, 4), S(1, 5)], chain: one, start: 2, segments: [S(1, 2)], missing: S(1, 3), gap: true },
    { case: 'the start segment missing', archived: [S(1, 3)], chain: one, start: 2, segments: [], missing: S(1, 2), gap: true },
    { case: 'nothing archived from the start on', archived: [S(1, 1)], chain: one, start: 2, segments: [], missing: undefined, gap: false },
    {
      case: 'across a timeline switch: the new timeline from its switch segment on',
      archived: [S(1, 4), S(1, 5), S(2, 5), S(2, 6)],
      chain: two,
      start: 4,
      segments: [S(1, 4), S(2, 5), S(2, 6)],
      missing: undefined,
      gap: false,
    },
    { case: 'the old timeline after the switch does not count', archived: [S(1, 4), S(2, 5), S(1, 6), S(2, 7)], chain: two, start: 4, segments: [S(1, 4), S(2, 5)], missing: S(2, 6), gap: true },
    { case: 'a segment of an unrelated timeline is no continuation', archived: [S(1, 2), S(3, 3)], chain: one, start: 2, segments: [S(1, 2)], missing: undefined, gap: false },
  ])('$case', ({ archived, chain, start, segments, missing, gap }) => {
    const run = contiguousRun(archived, chain, { tli: 1, segno: start });
    expect(run).toEqual({ segments, gap, ...(missing ? { missing } : {}) });
  });
});

describe('what the tools print', () => {
  it('reads commit and abort times from pg_waldump -r Transaction (TZ=UTC), to the microsecond', () => {
    const out = [
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        735, lsn: 0/03000060, prev 0/03000028, desc: COMMIT 2026-12-07 11:40:01.123456 UTC',
      'rmgr: Transaction len (rec/tot):    405/   405, tx:        736, lsn: 0/03000088, prev 0/03000060, desc: COMMIT 2026-12-07 11:40:02.5 UTC; inval msgs: catcache 55',
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        737, lsn: 0/030000A0, prev 0/03000088, desc: ABORT 2026-12-07 11:40:03 UTC',
      'rmgr: Transaction len (rec/tot):     30/    30, tx:        738, lsn: 0/030000B0, prev 0/030000A0, desc: ASSIGNMENT xtop 738: subxacts: 739',
    ].join('\n');
    const base = Date.parse('2026-12-07T11:40:00Z') * 1000;
    expect(commitTimes(out)).toEqual([base + 1_123_456, base + 2_500_000, base + 3_000_000]);
  });

  it('takes the last segment the server restored from its log', () => {
    const log = 'LOG:  restored log file "000000010000000000000004" from archive\nLOG:  redo starts at 0/4000028\nLOG:  restored log file "000000010000000000000005" from archive\n';
    expect(lastRestoredSegment(log)).toBe('000000010000000000000005');
    expect(lastRestoredSegment('LOG:  redo starts at 0/4000028\n')).toBeUndefined();
  });

  it('reads the start segment from a backup_label', () => {
    const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\nSTART TIME: 2026-12-07 11:39:50 UTC\n';
    expect(labelWalStart(label)).toBe('000000010000000000000002');
    expect(labelWalStart('START TIME: 2026-12-07 11:39:50 UTC\n')).toBeUndefined();
  });
});
