import { describe, expect, it } from 'vitest';
import { pauseMatches } from '../../src/util/test-hooks.js';

describe('ORGBACKUP_TEST_PAUSE_AT names a point and optionally a key suffix', () => {
  it.each([
    [undefined, 'local-commit', 'a/b/c.zip', false],
    ['', 'local-commit', 'a/b/c.zip', false],
    ['local-commit', 'local-commit', 'a/b/c.zip', true],
    ['local-commit:.zip', 'local-commit', 'a/b/c.zip', true],
    ['local-commit:.zip', 'local-commit', 'a/b/c.manifest.json', false],
    ['local-commit:.manifest.json', 'local-commit', 'a/b/c.manifest.json', true],
    ['local-commit:.manifest.json', 'local-commit', '_locks/storage/lease.json', false],
    ['other-point:.zip', 'local-commit', 'a/b/c.zip', false],
    ['local', 'local-commit', 'a/b/c.zip', false],
  ])('%j at %s %s: %s', (wanted, point, key, expected) => {
    expect(pauseMatches(wanted, point, key)).toBe(expected);
  });
  it.each([
    ['local-commit@slow:.zip', 'slow', 'a/b/c.zip', true],
    ['local-commit@slow:.zip', 'fast', 'a/b/c.zip', false],
    ['local-commit@slow:.zip', undefined, 'a/b/c.zip', false],
    ['local-commit@slow', 'slow', 'a/b/c.manifest.json', true],
    ['local-commit@slow:.zip', 'slow', 'a/b/c.manifest.json', false],
    ['local-commit:.zip', 'fast', 'a/b/c.zip', true],
  ])('%j on storage %s at %s: %s', (wanted, storage, key, expected) => {
    expect(pauseMatches(wanted, 'local-commit', key, storage)).toBe(expected);
  });
});
