/** Links between audit runs (src/audit/runs.ts): forks pass; each removal or alteration of a run object that a later run can show is caught. */
import { describe, expect, it } from 'vitest';
import { buildChain, type AuditEntry } from '../../src/audit/chain.js';
import type { AuditObject } from '../../src/audit/read.js';
import { checkRuns, linkToNewest } from '../../src/audit/runs.js';
import { auditKey } from '../../src/audit/trail.js';
import { auditKeysToRemove } from '../../src/audit/prune.js';

const who = { user: 'ops', uid: 1000, host: 'db1', pid: 42 };
const entry: AuditEntry = { action: 'verify', archives: [], outcome: 'ok' };
const at = (day: number) => new Date(Date.UTC(2026, 11, day));

/** A trail of runs on the given days, each linked to the newest before it. */
function trail(days: number[], fork: { day: number; after: number }[] = []): AuditObject[] {
  const objects: AuditObject[] = [];
  for (const day of days) {
    const sibling = fork.find((f) => f.day === day);
    const before = sibling ? objects.filter((o) => o.key === auditKey(at(sibling.after), 'db1', 42)) : objects;
    objects.push({ key: auditKey(at(day), 'db1', 42), text: buildChain([entry], 0, who, at(day), linkToNewest(before)) });
  }
  return objects;
}
const without = (objects: AuditObject[], i: number) => objects.filter((_, j) => j !== i);
const longAgo = new Date(Date.UTC(2020, 0, 1));

describe('audit run links', () => {
  it('a linear trail passes and has one head, the newest run', () => {
    const objects = trail([1, 2, 3]);
    expect(checkRuns(objects, longAgo)).toEqual({ problems: [], heads: [objects[2]!.key] });
    expect(JSON.parse(objects[0]!.text.split('\n')[0]!).after).toBeNull();
  });

  it('a fork (two runs that found the same newest run) passes, with two heads', () => {
    const objects = trail([1, 2, 3], [{ day: 3, after: 1 }]);
    const result = checkRuns(objects, longAgo);
    expect(result.problems).toEqual([]);
    expect(result.heads).toEqual([objects[1]!.key, objects[2]!.key]);
  });

  const linear = trail([1, 2, 3, 4]);
  const rewritten = [...linear];
  rewritten[1] = { key: linear[1]!.key, text: buildChain([{ ...entry, outcome: 'failed' }], 5, who, at(2), linkToNewest([linear[0]!])) };
  const forgedRoot = [...linear, { key: auditKey(at(5), 'db1', 42), text: buildChain([entry], 0, who, at(5), null) }];
  const renamed = [linear[0]!, { ...linear[1]!, key: auditKey(at(2), 'other', 7) }, ...linear.slice(2)];

  it.each([
    ['a middle run removed', without(linear, 1), linear[2]!.key, /missing: that run's object was removed/],
    ['the first run removed', without(linear, 0), linear[1]!.key, /missing/],
    ['a run rewritten with a consistent chain of its own', rewritten, linear[2]!.key, /altered or rewritten/],
    ['a run renamed', renamed, linear[2]!.key, /renamed/],
    ['a new chain started after linked runs', forgedRoot, forgedRoot[4]!.key, /starts a new chain/],
  ])('%s', (_name, objects, key, message) => {
    const { problems } = checkRuns(objects, longAgo);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe(key);
    expect(problems[0]!.message).toMatch(message);
  });

  it('a predecessor older than the audit retention may be missing (pruned)', () => {
    expect(checkRuns(without(linear, 0), at(2)).problems).toEqual([]);
    expect(checkRuns(without(linear, 1), at(2)).problems).toHaveLength(1);
  });

  it('the newest runs removed is not detectable: nothing links to them (see heads)', () => {
    const cut = linear.slice(0, 2);
    expect(checkRuns(cut, longAgo)).toEqual({ problems: [], heads: [linear[1]!.key] });
  });

  it('objects written before runs were chained are accepted, and are not heads', () => {
    const legacy = { key: auditKey(at(1), 'old', 1), text: buildChain([entry], 0, who, at(1)).replace(',"after":null', '') };
    expect(legacy.text).not.toContain('after');
    expect(checkRuns([legacy, ...trail([2])], longAgo).heads).toHaveLength(1);
  });
});

describe('audit retention (auditKeysToRemove) and a pruned trail', () => {
  const key = (day: number) => auditKey(at(day), 'db1', 42);
  it.each<[string, number[], number, number[]]>([
    ['nothing older than the cutoff', [5, 6, 7], 5, []],
    ['older ones go, the cutoff day itself stays', [1, 2, 5, 6], 5, [1, 2]],
    ['every object older: the newest stays, so the next run links to it', [1, 2, 3], 10, [1, 2]],
    ['an empty trail', [], 10, []],
  ])('%s', (_name, days, cutoffDay, removed) => {
    expect(auditKeysToRemove(days.map(key), at(cutoffDay))).toEqual(removed.map(key));
  });

  it('keys without a time in their name are never removed', () => {
    expect(auditKeysToRemove(['_audit/notes.ndjson', key(1), key(2)], at(10))).toEqual([key(1)]);
  });

  it('a trail pruned of its old runs still verifies; a run removed after the cutoff is still caught', () => {
    const objects = trail([1, 2, 3, 8, 9]);
    const cutoff = at(5);
    const pruned = objects.filter(
      (o) =>
        !auditKeysToRemove(
          objects.map((x) => x.key),
          cutoff,
        ).includes(o.key),
    );
    expect(pruned.map((o) => o.key)).toEqual([key(8), key(9)]);
    expect(checkRuns(pruned, cutoff).problems).toEqual([]);
    expect(checkRuns(without(pruned, 0), cutoff).problems).toEqual([{ key: key(9), message: expect.stringMatching(`follows ${key(8)}, which is missing`) }]);
  });
});
