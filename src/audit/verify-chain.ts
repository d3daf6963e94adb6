/**
 * Checks one audit object's text against its chain (chain.ts): the first problem found, naming
 * the line, or undefined when the object is intact. Pure, so every kind of tampering is a table
 * case in test/unit/audit-chain.test.ts.
 */
import { GENESIS, sha256, type AuditLine } from './chain.js';

export interface ChainProblem {
  line: number;
  message: string;
}

function parseLine(text: string): AuditLine | undefined {
  try {
    const value = JSON.parse(text) as Partial<AuditLine> | null;
    if (!value || typeof value !== 'object' || (value.type !== 'action' && value.type !== 'seal') || typeof value.seq !== 'number' || typeof value.prev !== 'string') return undefined;
    return value as AuditLine;
  } catch {
    return undefined;
  }
}

/** Why line `n` (1-based) does not follow the line before it, from its seq and prev. */
function linkProblem(record: AuditLine, n: number, expectedPrev: string): string | undefined {
  if (record.seq > n) return `record ${record.seq} found where record ${n} belongs: ${record.seq - n} record(s) before it were removed`;
  if (record.seq < n) return `record ${record.seq} found where record ${n} belongs: the records were reordered or one was duplicated`;
  if (record.prev !== expectedPrev) return n === 1 ? 'the first record does not start the chain: it was edited' : `its "prev" is not the hash of line ${n - 1}: line ${n - 1} was edited or replaced`;
  return undefined;
}

export function checkChain(text: string): ChainProblem | undefined {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (text === '' || lines.length === 0) return { line: 1, message: 'the object is empty: its records and seal were removed' };
  let prev = GENESIS;
  let actions = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const record = parseLine(lines[i]!);
    if (!record) return { line: n, message: 'not an audit record (not JSON, or no type/seq/prev): it was edited' };
    const link = linkProblem(record, n, prev);
    if (link) return { line: n, message: link };
    if (record.type === 'seal') {
      if (n !== lines.length) return { line: n, message: 'a seal before the end of the object: records were appended after it' };
      if (record.records !== actions || record.last !== prev) return { line: n, message: `the seal does not match the ${actions} record(s) before it: it was edited` };
      return undefined;
    }
    actions++;
    prev = sha256(lines[i]!);
  }
  return { line: lines.length, message: 'no seal at the end: the run was cut short, or its last records and seal were removed' };
}
