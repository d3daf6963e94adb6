/** NDJSON progress events of long steps (src/cli/progress.ts EventProgress): first and last of each step, one a second between. */
import { describe, expect, it } from 'vitest';
import { EventProgress } from '../../src/cli/progress.js';
import type { LogFields, StepReport } from '../../src/context.js';

function recorder() {
  const lines: { msg: string; fields: LogFields | undefined }[] = [];
  const log = { debug() {}, warn() {}, error() {}, info: (msg: string, fields?: LogFields) => lines.push({ msg, fields }) };
  return { log, lines };
}

const restore = (done: number, end = false): StepReport => ({ step: 'restore', label: 'physical restore', done, total: 100, unit: 'bytes', end });

describe('EventProgress', () => {
  it.each([
    {
      case: 'a report a second apart each makes an event',
      reports: [
        [0, restore(0)],
        [1000, restore(10)],
        [2000, restore(20)],
      ],
      sent: [0, 10, 20],
    },
    {
      case: 'reports within a second of the last event are dropped',
      reports: [
        [0, restore(0)],
        [300, restore(5)],
        [999, restore(9)],
        [1000, restore(10)],
      ],
      sent: [0, 10],
    },
    {
      case: 'the end of a step is always sent',
      reports: [
        [0, restore(0)],
        [10, restore(100, true)],
      ],
      sent: [0, 100],
    },
    {
      case: 'a new step is sent at once',
      reports: [
        [0, restore(0)],
        [10, { step: 'replay', label: 'WAL replay', done: 0, total: 5, unit: 'lsn', fields: { lsn: '0/4000000', targetLsn: '0/6000000' } }],
      ],
      sent: [0, 0],
    },
  ] as { case: string; reports: [number, StepReport][]; sent: number[] }[])('$case', ({ reports, sent }) => {
    const { log, lines } = recorder();
    let now = 0;
    const progress = new EventProgress(log, () => now);
    for (const [at, report] of reports) {
      now = at;
      progress.step(report);
    }
    expect(lines.map((l) => l.fields?.done)).toEqual(sent);
    expect(lines.every((l) => l.fields?.event === 'progress')).toBe(true);
  });

  it('says it in words too: bytes against the total, LSN against the target', () => {
    const { log, lines } = recorder();
    const progress = new EventProgress(log, () => 0);
    progress.step(restore(50));
    progress.step({ step: 'replay', label: 'WAL replay', done: 1, total: 2, unit: 'lsn', end: true, fields: { lsn: '0/5000000', targetLsn: '0/6000000' } });
    expect(lines.map((l) => l.msg)).toEqual(['physical restore: 50 B of 100 B', 'WAL replay: 0/5000000 of 0/6000000 (done)']);
    expect(lines[1]!.fields).toMatchObject({ step: 'replay', end: true, lsn: '0/5000000', targetLsn: '0/6000000' });
  });
});
