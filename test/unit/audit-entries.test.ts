/** Command results -> audit entries: one per tenant, with its archive ids, outcome, bytes and rows. */
import { describe, expect, it } from 'vitest';
import { entriesOfResult, entryOfFailure } from '../../src/audit/entries.js';

const A1 = 'app/acme/2026-12-01T00-00-00.000Z';
const A2 = 'app/acme/2026-12-02T00-00-00.000Z';
const B1 = 'app/beta/2026-12-01T00-00-00.000Z';

describe('audit entries of results', () => {
  it.each([
    [
      'create: one entry per tenant, size and rows',
      'create',
      {
        dryRun: false,
        archives: [
          { id: A1, source: 'app', tenant: 'acme', status: 'ok', size: 5, rows: 3 },
          { id: B1, source: 'app', tenant: 'beta', status: 'failed', error: 'boom' },
        ],
      },
      [
        { action: 'create', source: 'app', tenant: 'acme', archives: [A1], outcome: 'ok', bytes: 5, rows: 3 },
        { action: 'create', source: 'app', tenant: 'beta', archives: [B1], outcome: 'failed', error: 'boom' },
      ],
    ],
    [
      'create --dry-run: the planned tenants',
      'create',
      { dryRun: true, archives: [], planned: [{ source: 'app', tenant: 'acme' }] },
      [{ action: 'create', source: 'app', tenant: 'acme', archives: [], outcome: 'dry-run' }],
    ],
    [
      'verify: one tenant on two storages is one entry',
      'verify',
      {
        archives: [
          { id: A1, storage: 'disk', status: 'ok', size: 5 },
          { id: A1, storage: 's3', status: 'failed', size: 5, error: 'bad' },
        ],
      },
      [{ action: 'verify', source: 'app', tenant: 'acme', archives: [A1], storages: ['disk', 's3'], outcome: 'partial', bytes: 10, error: 'bad' }],
    ],
    [
      'prune: kept archives are no action',
      'prune',
      {
        archives: [
          { id: A1, storage: 'disk', source: 'app', tenant: 'acme', status: 'removed', size: 7 },
          { id: A2, storage: 'disk', source: 'app', tenant: 'acme', status: 'kept', size: 9 },
        ],
      },
      [{ action: 'prune', source: 'app', tenant: 'acme', archives: [A1], storages: ['disk'], outcome: 'ok', bytes: 7 }],
    ],
    ['prune: nothing removed, no entry', 'prune', { archives: [{ id: A2, storage: 'disk', source: 'app', tenant: 'acme', status: 'kept' }] }, []],
    [
      'forget: every archive of the tenant in one entry',
      'forget',
      {
        source: 'app',
        tenant: 'acme',
        archives: [
          { id: A1, storage: 'disk', status: 'removed', bytes: 1 },
          { id: A2, storage: 'disk', status: 'removed', bytes: 2 },
        ],
      },
      [{ action: 'forget', source: 'app', tenant: 'acme', archives: [A1, A2], storages: ['disk'], outcome: 'ok', bytes: 3 }],
    ],
    [
      'delete --dry-run',
      'delete',
      { archives: [{ id: A1, storage: 'disk', status: 'would-remove', size: 4 }] },
      [{ action: 'delete', source: 'app', tenant: 'acme', archives: [A1], storages: ['disk'], outcome: 'dry-run', bytes: 4 }],
    ],
    [
      'restore: rows added up, the safety backup named',
      'restore',
      { ok: true, id: A1, tenant: 'acme', storage: 'disk', dryRun: false, tables: [{ rows: 2 }, { rows: 3 }], safetyBackup: { id: A2 } },
      [{ action: 'restore', source: 'app', tenant: 'acme', archives: [A1, A2], storages: ['disk'], outcome: 'ok', rows: 5 }],
    ],
    [
      'restore --as: recorded for the new tenant, whose data it wrote',
      'restore',
      { ok: true, id: A1, tenant: 'acme', as: 'sandbox', storage: 'disk', dryRun: false, tables: [{ rows: 2 }], safetyBackupSkipped: '--as' },
      [{ action: 'restore', source: 'app', tenant: 'sandbox', archives: [A1], storages: ['disk'], outcome: 'ok', rows: 2 }],
    ],
    ['get', 'get', { ok: true, id: A1, storage: 'disk', size: 9 }, [{ action: 'get', source: 'app', tenant: 'acme', archives: [A1], storages: ['disk'], outcome: 'ok', bytes: 9 }]],
    [
      'export',
      'export',
      { ok: true, id: A1, storage: 'disk', tables: [{ rows: 4 }] },
      [{ action: 'export', source: 'app', tenant: 'acme', archives: [A1], storages: ['disk'], outcome: 'ok', rows: 4 }],
    ],
    ['import', 'import', { ok: true, dryRun: false, id: A1, source: 'app', tenant: 'acme', size: 3 }, [{ action: 'import', source: 'app', tenant: 'acme', archives: [A1], outcome: 'ok', bytes: 3 }]],
    [
      'schedule-run: the archives of every schedule',
      'schedule-run',
      { schedules: [{ archives: [{ id: A1, source: 'app', tenant: 'acme', status: 'ok', size: 1 }] }, { status: 'skipped' }] },
      [{ action: 'schedule-run', source: 'app', tenant: 'acme', archives: [A1], outcome: 'ok', bytes: 1 }],
    ],
    ['list is not audited', 'list', { archives: [{ id: A1 }] }, []],
  ])('%s', (_name, command, result, expected) => {
    expect(entriesOfResult(command, result)).toEqual(expected);
  });

  it('a secret in an error never reaches the record', () => {
    const [entry] = entriesOfResult('create', { archives: [{ id: A1, source: 'app', tenant: 'acme', status: 'failed', error: 'cannot connect to postgres://u:hunter2@db/x' }] });
    expect(entry!.error).not.toContain('hunter2');
  });

  it('a failed command names the tenant of its options or archive id', () => {
    expect(entryOfFailure('restore', { args: [A1] }, 'no such archive')).toEqual({ action: 'restore', source: 'app', tenant: 'acme', archives: [A1], outcome: 'failed', error: 'no such archive' });
    expect(entryOfFailure('create', { source: ['app'], tenant: ['beta'], args: [] }, 'x')).toMatchObject({ source: 'app', tenant: 'beta', archives: [] });
  });
});
