/** The audit hash chain: an intact run passes; each kind of tampering is caught at the right line. */
import { describe, expect, it } from 'vitest';
import { buildChain, canonical, GENESIS, sha256, type AuditEntry } from '../../src/audit/chain.js';
import { checkChain } from '../../src/audit/verify-chain.js';

const who = { user: 'ops', uid: 1000, host: 'db1', pid: 42 };
const entry = (tenant: string): AuditEntry => ({ action: 'create', source: 'app', tenant, archives: [`app/${tenant}/2026-12-01T00-00-00.000Z`], outcome: 'ok', bytes: 10 });
const text = buildChain([entry('a'), entry('b'), entry('c')], 0, who, new Date('2026-12-01T00:00:00Z'));
const lines = text.trimEnd().split('\n');
const join = (ls: string[]) => ls.join('\n') + '\n';
const edit = (line: string, change: (r: Record<string, unknown>) => void) => {
  const r = JSON.parse(line) as Record<string, unknown>;
  change(r);
  return canonical(r);
};

describe('audit chain', () => {
  it('chains every record to the one before it and seals the last', () => {
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[0]!).prev).toBe(GENESIS);
    expect(JSON.parse(lines[2]!).prev).toBe(sha256(lines[1]!));
    expect(JSON.parse(lines[3]!)).toMatchObject({ type: 'seal', records: 3, last: sha256(lines[2]!) });
    expect(checkChain(text)).toBeUndefined();
  });

  it('seals a run without records', () => {
    expect(checkChain(buildChain([], 0, who, new Date()))).toBeUndefined();
  });

  it.each([
    ['a middle record removed', join([lines[0]!, lines[2]!, lines[3]!]), 2, /removed/],
    ['the first record removed', join(lines.slice(1)), 1, /removed/],
    ['the last record removed', join([lines[0]!, lines[1]!, lines[3]!]), 3, /removed/],
    ['a record edited (tenant)', join([lines[0]!, edit(lines[1]!, (r) => (r.tenant = 'x')), lines[2]!, lines[3]!]), 3, /line 2 was edited/],
    ['a record edited (outcome), spacing kept canonical', join([edit(lines[0]!, (r) => (r.outcome = 'failed')), ...lines.slice(1)]), 2, /line 1 was edited/],
    ['the last record edited', join([lines[0]!, lines[1]!, edit(lines[2]!, (r) => (r.bytes = 1)), lines[3]!]), 4, /line 3 was edited/],
    ['two records swapped', join([lines[1]!, lines[0]!, lines[2]!, lines[3]!]), 1, /removed|reordered/],
    ['two later records swapped', join([lines[0]!, lines[2]!, lines[1]!, lines[3]!]), 2, /removed/],
    ['the seal removed', join(lines.slice(0, 3)), 3, /no seal/],
    ['the seal edited', join([...lines.slice(0, 3), edit(lines[3]!, (r) => (r.records = 2))]), 4, /seal does not match/],
    ['a record appended after the seal', join([...lines, edit(lines[0]!, (r) => (r.seq = 5))]), 4, /before the end/],
    ['a line that is not JSON', join([lines[0]!, '{oops', ...lines.slice(2)]), 2, /not an audit record/],
    ['the first record re-chained from another value', join([edit(lines[0]!, (r) => (r.prev = sha256('x'))), ...lines.slice(1)]), 1, /first record/],
    ['an empty object', '', 1, /empty/],
  ])('%s', (_name, tampered, line, message) => {
    const problem = checkChain(tampered);
    expect(problem).toBeDefined();
    expect(problem!.line).toBe(line);
    expect(problem!.message).toMatch(message);
  });
});
