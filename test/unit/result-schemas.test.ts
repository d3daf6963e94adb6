/** The shipped result schemas accept what the commands print and refuse documents that break the contract. */
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { assertJsonContract } from '../helpers/json-contract.js';

const list = {
  schemaVersion: 1,
  command: 'list',
  ok: true,
  exitCode: 0,
  archives: [{ id: 'app/1/t', source: 'app', tenant: '1', time: '2026-12-04T02:00:00.000Z', storage: 'local', encrypted: false }],
};
const failure = { schemaVersion: 1, command: 'restore', ok: false, exitCode: 2, error: { message: 'unknown tenant "9"', hint: 'see orgbackup list' } };

const check =
  (doc: unknown, args = ['list', '--json']) =>
  () =>
    assertJsonContract(ROOT, args, JSON.stringify(doc));

describe('result schemas (schema/results)', () => {
  it.each([
    ['a list result', list],
    ['a list result with a field added later', { ...list, nextPage: 'x' }],
    ['an error document', failure],
  ])('accepts %s', (_, doc) => {
    expect(check(doc)).not.toThrow();
  });

  it.each([
    ['no schemaVersion', { ...list, schemaVersion: undefined }, /schemaVersion/],
    ['another schemaVersion', { ...list, schemaVersion: 2 }, /schemaVersion/],
    ['an exit status that does not exist', { ...list, exitCode: 7 }, /exitCode/],
    ['an archive without its id', { ...list, archives: [{ ...list.archives[0], id: undefined }] }, /archives\/0/],
    ['a size that is a string', { ...list, archives: [{ ...list.archives[0], size: '12' }] }, /size/],
    ['an error document that says ok', { ...failure, ok: true }, /ok/],
    ['a command with no published schema', { ...list, command: 'frobnicate' }, /no published schema/],
  ])('refuses %s', (_, doc, message) => {
    expect(check(doc)).toThrow(message);
  });

  it('refuses --json output that is not one JSON document, and ignores runs without --json', () => {
    expect(() => assertJsonContract(ROOT, ['list', '--json'], '{"a":1}\n{"b":2}')).toThrow(/not one JSON document/);
    expect(() => assertJsonContract(ROOT, ['list'], 'ID  TENANT')).not.toThrow();
  });
});
