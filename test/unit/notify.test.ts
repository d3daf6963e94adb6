import { describe, expect, it } from 'vitest';
import { formatMetrics, mergeSamples, parseMetrics, type Sample } from '../../src/notify/metrics.js';
import { shouldNotify, slackText, type RunReport } from '../../src/notify/webhook.js';

const success = 'orgbackup_last_success_timestamp_seconds';

describe('metrics text', () => {
  it.each([
    { label: 'acme', line: `${success}{source="app",tenant="acme"} 1763604000` },
    { label: 'we "quote"', line: `${success}{source="app",tenant="we \\"quote\\""} 1763604000` },
    { label: 'back\\slash', line: `${success}{source="app",tenant="back\\\\slash"} 1763604000` },
    { label: 'two\nlines', line: `${success}{source="app",tenant="two\\nlines"} 1763604000` },
  ])('escapes and reads back tenant $label', ({ label, line }) => {
    const sample: Sample = { name: success, labels: { tenant: label, source: 'app' }, value: 1763604000 };
    const text = formatMetrics([sample]);
    expect(text.split('\n')).toContain(line);
    expect(text).toContain(`# TYPE ${success} gauge`);
    expect(parseMetrics(text)).toEqual([{ name: success, labels: { source: 'app', tenant: label }, value: 1763604000 }]);
  });

  it.each([
    { what: 'a new value replaces the old one', previous: [['acme', 1]], current: [['acme', 2]], expected: [['acme', 2]] },
    {
      what: 'a tenant not in this run keeps its value',
      previous: [
        ['acme', 1],
        ['globex', 5],
      ],
      current: [['acme', 2]],
      expected: [
        ['acme', 2],
        ['globex', 5],
      ],
    },
    { what: 'nothing before', previous: [], current: [['acme', 2]], expected: [['acme', 2]] },
  ] as { what: string; previous: [string, number][]; current: [string, number][]; expected: [string, number][] }[])('merge: $what', ({ previous, current, expected }) => {
    const samples = (rows: [string, number][]) => rows.map(([tenant, value]) => ({ name: success, labels: { source: 'app', tenant }, value }));
    const merged = mergeSamples(samples(previous), samples(current));
    expect(merged.map((s) => [s.labels.tenant, s.value]).sort()).toEqual(expected);
  });

  it('drops foreign metric families and comments when reading a file back', () => {
    const text = `# HELP node_load1 x\nnode_load1 0.5\n${success}{source="app",tenant="a"} 7\ngarbage line\n`;
    expect(parseMetrics(text)).toEqual([{ name: success, labels: { source: 'app', tenant: 'a' }, value: 7 }]);
  });
});

const report = (over: Partial<RunReport>): RunReport => ({
  schedule: 'nightly',
  shard: 'all',
  status: 'ok',
  exitCode: 0,
  sources: ['media'],
  storages: ['local'],
  counts: { ok: 3, partial: 0, failed: 0 },
  failed: [],
  startedAt: '2026-11-20T02:00:00.000Z',
  finishedAt: '2026-11-20T02:00:12.500Z',
  durationMs: 12_500,
  ...over,
});

describe('webhook', () => {
  it.each([
    { on: ['failure'], status: 'ok', send: false },
    { on: ['failure'], status: 'partial', send: true },
    { on: ['failure'], status: 'failed', send: true },
    { on: ['success'], status: 'ok', send: true },
    { on: ['success'], status: 'failed', send: false },
    { on: ['always'], status: 'ok', send: true },
    { on: ['always'], status: 'failed', send: true },
    { on: ['success', 'failure'], status: 'partial', send: true },
  ] as const)('on $on, a $status run notifies: $send', ({ on, status, send }) => {
    expect(shouldNotify(on, status)).toBe(send);
  });

  it.each([
    { what: 'success', r: report({}), lines: [/^:white_check_mark: orgbackup schedule \*nightly\* on h1: ok \(exit 0\) — 3 ok, 0 partial, 0 failed in 12\.5 s$/] },
    {
      what: 'failed tenants listed with the first line of their error',
      r: report({
        status: 'partial',
        exitCode: 3,
        counts: { ok: 2, partial: 0, failed: 1 },
        failed: [{ source: 'app', tenant: '42', error: 'pg_dump: permission denied\nmore' }],
        shard: 'shard-0-of-2',
      }),
      lines: [/^:warning: orgbackup schedule \*nightly\* shard-0-of-2 on h1: partial \(exit 3\)/, /^• app\/42: pg_dump: permission denied$/],
    },
    {
      what: 'run-wide error',
      r: report({ status: 'failed', exitCode: 4, counts: { ok: 0, partial: 0, failed: 0 }, error: 'preflight failed: storage not writable' }),
      lines: [/^:x: /, /^> preflight failed: storage not writable$/],
    },
  ])('slack text: $what', ({ r, lines }) => {
    const text = slackText(r, 'h1').split('\n');
    expect(text).toHaveLength(lines.length);
    lines.forEach((re, i) => expect(text[i]).toMatch(re));
  });

  it('lists at most ten failures', () => {
    const failed = Array.from({ length: 12 }, (_, i) => ({ source: 'app', tenant: String(i), error: 'boom' }));
    const text = slackText(report({ status: 'failed', exitCode: 1, failed }), 'h1').split('\n');
    expect(text).toHaveLength(12);
    expect(text[11]).toBe('… and 2 more');
  });
});
