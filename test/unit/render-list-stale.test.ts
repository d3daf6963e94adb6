import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import type { ListResult } from '../../src/commands/list.js';
import { renderList } from '../../src/cli/render/list.js';

const stale = (ageSeconds: number | undefined): ListResult => ({
  command: 'list',
  ok: false,
  exitCode: 1,
  archives: [],
  stale: [{ source: 'app', tenant: 'acme', storage: 'local', ...(ageSeconds === undefined ? {} : { newest: 'app/acme/t', ageHours: Math.round(ageSeconds / 3600), ageSeconds }) }],
});

describe('list --stale ages', () => {
  it.each([
    [5, '5s'],
    [59, '59s'],
    [60, '1m'],
    [45 * 60 + 10, '45m'],
    [3599, '59m'],
    [3600, '1h'],
    [26 * 3600 + 1800, '26h'],
    [undefined, 'never'],
  ])('%s s -> %s', (seconds, want) => {
    const row = renderList(stale(seconds), new Chalk({ level: 0 })).split('\n')[1]!;
    expect(row.split(/\s{2,}/)[3]).toBe(want);
  });
});
