/**
 * Streamed results (src/cli/render/stream.ts): what list/prune/verify write item by item is the
 * output renderResult prints for the whole result -- the same JSON document, the same table -- and
 * a table longer than a block keeps one header.
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderResult } from '../../src/cli/render/index.js';
import { TEXT_BLOCK_ROWS } from '../../src/cli/render/format.js';
import { StreamedItems } from '../../src/cli/render/stream.js';

const chalk = new Chalk({ level: 0 });
const archive = (i: number) => ({
  id: `app/t${i}/2026-01-0${(i % 9) + 1}T00-00-00.000Z`,
  source: 'app',
  tenant: `t${i}`,
  time: '2026-01-01T00:00:00.000Z',
  storage: 'local',
  size: 100 + i,
  encrypted: i % 2 === 0,
});
const verified = (i: number) => ({
  id: `app/t${i}/2026-01-01T00-00-00.000Z`,
  storage: 's3',
  status: i === 1 ? 'failed' : 'ok',
  levels: i === 1 ? [] : [1],
  ...(i === 1 ? { failedLevel: 1, error: 'gone', hint: 'use another' } : {}),
  size: 5,
});
const pruned = (i: number) => ({
  id: `app/t${i}/2026-01-01T00-00-00.000Z`,
  storage: 'local',
  source: 'app',
  tenant: `t${i}`,
  time: '2026-01-01T00:00:00.000Z',
  size: 9,
  complete: true,
  action: 'keep',
  status: 'kept',
  reasons: ['newest'],
  policy: 'default',
});
const pruneRest = { ok: true, exitCode: 0, dryRun: true, storages: ['local'], orphans: [], unchecked: [], leftovers: {}, summary: { kept: 3, removed: 0, failed: 0, bytesFreed: 0 } };

/** The output of a streamed run: `streamed` items handed over while it ran, `result` what it returned. */
function streamedOutput(json: boolean, command: string, streamed: unknown[], result: Record<string, unknown>) {
  let text = '';
  const items = new StreamedItems(command, { json, chalk, write: (t) => (text += t), retain: false });
  const write = items.for(command)!;
  for (const item of streamed) write(item);
  // finish() writes what is left through `write` before it returns the tail.
  const tail = items.finish({ command, ok: true, exitCode: 0, ...result });
  return text + tail;
}

const cases: [string, string, unknown[], Record<string, unknown>][] = [
  ['list, three archives', 'list', [0, 1, 2].map(archive), { ok: true, exitCode: 0 }],
  ['list, one archive', 'list', [archive(7)], { ok: true, exitCode: 0 }],
  ['verify with parts, one failure and its hint', 'verify', [0, 1, 2].map(verified), { ok: false, exitCode: 5, parts: [{ storage: 's3', index: 1, count: 4 }] }],
  ['prune dry run with its summary', 'prune', [0, 1, 2].map(pruned), pruneRest],
  ['a field left undefined', 'list', [archive(1)], { ok: true, exitCode: 0, stale: undefined }],
];

describe('streamed results print what the whole result prints', () => {
  it.each(cases)('%s: --json is the same document, text the same lines', (_name, command, items, rest) => {
    const whole = { command, ...rest, archives: items } as never;
    const json = streamedOutput(true, command, items, { ...rest, archives: [] });
    expect(JSON.parse(json)).toEqual(JSON.parse(renderResult(whole, { json: true, chalk })));
    if (command === 'verify') {
      // Text: the part line follows the streamed table instead of leading it; the lines are the same.
      const lines = (s: string) => s.trimEnd().split('\n').sort();
      expect(lines(streamedOutput(false, command, items, { ...rest, archives: [] }))).toEqual(lines(renderResult(whole, { json: false, chalk })));
    } else expect(streamedOutput(false, command, items, { ...rest, archives: [] })).toBe(renderResult(whole, { json: false, chalk }));
  });

  it('items still in the returned result are written after the streamed ones', () => {
    const json = streamedOutput(true, 'list', [archive(0)], { archives: [archive(1)] });
    expect((JSON.parse(json) as { archives: { id: string }[] }).archives.map((a) => a.id)).toEqual([archive(0).id, archive(1).id]);
  });

  it('nothing streamed: the plain rendering, byte for byte', () => {
    const whole = { command: 'list', ok: true, exitCode: 0, archives: [archive(3)] };
    expect(streamedOutput(true, 'list', [], whole)).toBe(renderResult(whole, { json: true, chalk }));
    expect(streamedOutput(false, 'list', [], { ...whole, archives: [] })).toBe('no archives\n');
  });

  it(`a table longer than ${TEXT_BLOCK_ROWS} rows has one header and every row`, () => {
    const items = Array.from({ length: 2 * TEXT_BLOCK_ROWS + 5 }, (_, i) => archive(i));
    const lines = streamedOutput(false, 'list', items, { archives: [] }).trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('ARCHIVE')).length).toBe(1);
    expect(lines.length).toBe(items.length + 1);
  });

  it('writes nothing for another command (a schedule-run prune keeps its items)', () => {
    const items = new StreamedItems('schedule-run', { json: true, chalk, write: () => undefined, retain: false });
    expect(items.for('prune')).toBeUndefined();
    expect(new StreamedItems('create', { json: true, chalk, write: () => undefined, retain: false }).for('create')).toBeUndefined();
  });

  it('keeps every item when asked (the audit trail and notifications read them)', () => {
    const items = new StreamedItems('verify', { json: true, chalk, write: () => undefined, retain: true });
    for (const i of [0, 1]) items.for('verify')!(verified(i));
    expect(items.retained).toEqual([verified(0), verified(1)]);
  });
});
