import { describe, expect, it } from 'vitest';
import type { TenantBackup } from '../../src/backup/backup-tenant.js';
import { oneLine, runReason } from '../../src/schedule/report.js';

const tenant = (name: string, status: TenantBackup['status'], error?: string): TenantBackup => ({
  source: 'app',
  tenant: name,
  id: `app/${name}/t`,
  status,
  durationMs: 1,
  storages: [],
  ...(error ? { error } : {}),
});

describe('why a schedule run failed, on one line', () => {
  it.each<{ name: string; exitCode: number; archives?: TenantBackup[]; error?: string; want: string | undefined }>([
    { name: 'success', exitCode: 0, want: undefined },
    {
      name: 'a preflight report',
      exitCode: 4,
      error: 'preflight failed, nothing was written:\n  ✗ source.app.path: /x does not exist\n    fix: check sources.app.path',
      want: 'preflight failed, nothing was written: ✗ source.app.path: /x does not exist; fix: check sources.app.path',
    },
    {
      name: 'tenants that failed',
      exitCode: 3,
      archives: [tenant('a', 'ok'), tenant('b', 'failed', 'pg_dump: error: permission denied\nfor table x')],
      want: '1 tenant(s) not backed up: app/b: pg_dump: error: permission denied; for table x',
    },
    { name: 'a partial tenant without error', exitCode: 3, archives: [tenant('a', 'partial')], want: '1 tenant(s) not backed up: app/a: not stored in every storage' },
    { name: 'many tenants', exitCode: 1, archives: ['a', 'b', 'c', 'd'].map((t) => tenant(t, 'failed', 'down')), want: '4 tenant(s) not backed up: app/a: down; app/b: down; and 2 more' },
    { name: 'nothing known', exitCode: 1, archives: [], want: 'exit 1' },
  ])('$name', ({ exitCode, archives, error, want }) => {
    expect(runReason({ exitCode, archives: archives ?? [], ...(error ? { error } : {}) })).toBe(want);
  });

  it.each([
    ['one line', 'one line'],
    ['a:\n  b\n  c', 'a: b; c'],
    ['\n  x  \n\n', 'x'],
  ])('%j -> %j', (text, want) => expect(oneLine(text)).toBe(want));
});
