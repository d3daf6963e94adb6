/** Event derivation from command results and failures, and how events read (pure; tables). */
import { describe, expect, it } from 'vitest';
import { eventsOfFailure, eventsOfResult, quotaWarningEvent, restoreStartedEvents } from '../../src/notify/derive.js';
import { eventLine, eventsSubject, makeEvent, type NotifyEvent } from '../../src/notify/events.js';
import { wants } from '../../src/notify/deliver.js';
import { commandSamples } from '../../src/notify/command-metrics.js';
import { registerSecret, clearSecrets } from '../../src/redact.js';

const A = 'media/acme/2026-12-07T08-00-00.000Z';
const G = 'media/globex/2026-12-07T08-00-01.000Z';
const pick = (events: NotifyEvent[]) => events.map((e) => [e.kind, e.source, e.tenant, e.archive]);

describe('eventsOfResult', () => {
  it.each([
    [
      'create',
      {
        dryRun: false,
        archives: [
          { source: 'media', tenant: 'acme', id: A, status: 'ok' },
          { source: 'media', tenant: 'globex', id: G, status: 'partial' },
          { source: 'media', tenant: 'x', id: 'media/x/2026-12-07T08-00-02.000Z', status: 'failed', error: 'disk full' },
        ],
      },
      [
        ['backup-succeeded', 'media', 'acme', A],
        ['backup-partial', 'media', 'globex', G],
        ['backup-failed', 'media', 'x', 'media/x/2026-12-07T08-00-02.000Z'],
      ],
    ],
    ['create', { dryRun: true, planned: [{ source: 'media', tenant: 'acme' }], archives: [] }, []],
    ['schedule-run', { schedules: [{ schedule: 'nightly', status: 'ok', archives: [{ source: 'media', tenant: 'acme', id: A, status: 'ok' }] }] }, [['backup-succeeded', 'media', 'acme', A]]],
    ['schedule-run', { schedules: [{ schedule: 'nightly', status: 'failed', archives: [], error: { message: 'source gone' } }] }, [['backup-failed', undefined, undefined, undefined]]],
    ['schedule-run', { schedules: [{ schedule: 'nightly', status: 'skipped', archives: [] }] }, []],
    ['restore', { ok: true, dryRun: false, id: A, tenant: 'acme', storage: 'local', target: 'db' }, [['restore-completed', 'media', 'acme', A]]],
    ['restore', { ok: false, dryRun: false, id: A, tenant: 'acme', storage: 'local' }, [['restore-failed', 'media', 'acme', A]]],
    ['restore', { ok: true, dryRun: true, id: A, tenant: 'acme' }, []],
    [
      'verify',
      {
        archives: [
          { id: A, storage: 'local', status: 'ok' },
          { id: G, storage: 'local', status: 'failed', error: 'sha256 mismatch' },
        ],
      },
      [['verify-failed', 'media', 'globex', G]],
    ],
    ['prune', { archives: [], expiring: [{ source: 'media', tenant: 'acme', storage: 'local', id: A, time: 't', before: '2026-12-14T08:00:00.000Z' }] }, [['archive-expiring', 'media', 'acme', A]]],
    ['prune', { archives: [] }, []],
    [
      'list',
      {
        archives: [],
        stale: [
          { source: 'media', tenant: 'acme', storage: 'local', newest: A, ageSeconds: 100_000 },
          { source: 'media', tenant: 'new', storage: 'local' },
        ],
      },
      [
        ['tenant-stale', 'media', 'acme', A],
        ['tenant-stale', 'media', 'new', undefined],
      ],
    ],
    ['list', { archives: [{ id: A }] }, []],
    ['delete', { archives: [{ id: A, status: 'removed' }] }, []],
  ])('%s %j', (command, result, expected) => {
    expect(pick(eventsOfResult(command, result))).toEqual(expected);
  });
});

describe('eventsOfFailure and restoreStartedEvents', () => {
  it.each([
    ['create', { source: ['media'] }, 'preflight failed', false, 'backup-failed'],
    ['schedule-run', {}, 'no schedules', false, 'backup-failed'],
    ['restore', { args: [A] }, 'the restore was rolled back, db is unchanged: duplicate key', true, 'restore-rolled-back'],
    // The kind follows the flag, not the words: a message that happens to say "rolled back" is a failure.
    ['restore', { args: [A] }, 'the hook said: was rolled back', false, 'restore-failed'],
    ['restore', { args: [A] }, 'connection refused', false, 'restore-failed'],
    ['verify', { args: [[A]] }, 'storage unreachable', false, 'verify-failed'],
    ['prune', {}, 'busy', false, undefined],
  ])('%s threw "%s" (rolled back: %s)', (command, options, message, rolledBack, kind) => {
    const events = eventsOfFailure(command, options, message, rolledBack);
    expect(events.map((e) => e.kind)).toEqual(kind ? [kind] : []);
    if (kind) expect(events[0]!.error).toBe(message);
  });

  it.each([
    [{ args: [A], target: 'copy' }, [['restore-started', 'media', 'acme', A]]],
    [{ args: [A], dryRun: true }, []],
    [{ args: ['latest'], source: 'media', tenant: 'acme' }, [['restore-started', 'media', 'acme', undefined]]],
  ])('restore started %j', (options, expected) => {
    expect(pick(restoreStartedEvents('restore', options))).toEqual(expected);
  });
});

describe('formatting', () => {
  it.each([
    [makeEvent('backup-failed', { command: 'create', source: 'media', tenant: 'acme', archive: A, error: 'disk full\nmore' }), ':x: backup failed: media/acme: disk full'],
    [
      makeEvent('backup-partial', { command: 'create', source: 'media', tenant: 'acme', archive: A, error: 'not stored in every storage' }),
      `:warning: backup partial: media/acme: ${A}: not stored in every storage`,
    ],
    [makeEvent('restore-started', { command: 'restore', source: 'media', tenant: 'acme', archive: A, details: { target: 'copy' } }), `:white_check_mark: restore started: media/acme: ${A} into copy`],
    [makeEvent('tenant-stale', { command: 'list', source: 'media', tenant: 'acme', archive: A, details: { ageSeconds: 200_000 } }), `:x: tenant stale: media/acme: newest archive ${A} is 2d old`],
    [makeEvent('tenant-stale', { command: 'list', source: 'media', tenant: 'new' }), ':x: tenant stale: media/new: no archive at all'],
    [
      makeEvent('archive-expiring', { command: 'prune', source: 'media', tenant: 'acme', archive: A, details: { before: '2026-12-14T08:00:00.000Z' } }),
      `:warning: archive expiring: media/acme: its oldest archive ${A} will be pruned before 2026-12-14T08:00:00.000Z`,
    ],
    [
      quotaWarningEvent('create', { source: 'media', tenant: 'acme', plan: 'free', limit: 'maxTenantStorage', used: 450, max: 500, percent: 90 }),
      ':warning: quota warning: media/acme: maxTenantStorage at 90% (450 of 500, plan free)',
    ],
    [makeEvent('backup-failed', { command: 'schedule-run', error: 'schedule nightly: source gone' }), ':x: backup failed: the schedule-run run: schedule nightly: source gone'],
  ])('%#', (event, line) => {
    expect(eventLine(event)).toBe(line);
  });

  it('subjects: one event reads as its line, several as counts', () => {
    const run = { command: 'create', host: 'h1' };
    const failed = makeEvent('backup-failed', { command: 'create', source: 'media', tenant: 'acme', error: 'x' });
    expect(eventsSubject([failed], run)).toBe('[orgbackup] backup failed: media/acme: x');
    expect(eventsSubject([failed, failed, makeEvent('backup-succeeded', { command: 'create', source: 'media', tenant: 'b' })], run)).toBe(
      '[orgbackup] create on h1: 2 backup failed, 1 backup succeeded',
    );
  });

  it('errors are redacted', () => {
    registerSecret('hunter2-pass');
    try {
      expect(makeEvent('restore-failed', { command: 'restore', error: 'login failed for postgres://u:hunter2-pass@db' }).error).not.toContain('hunter2-pass');
    } finally {
      clearSecrets();
    }
  });
});

describe('channel event choice', () => {
  const hook = (events?: string[]) => ({ type: 'webhook' as const, url: 'http://x', timeoutMs: 1000, retries: 0, ...(events ? { events: events as never } : {}) });
  it.each([
    [undefined, 'backup-failed', true],
    [undefined, 'backup-succeeded', false],
    [undefined, 'quota-warning', true],
    [['all'], 'restore-started', true],
    [['restore-started'], 'restore-completed', false],
  ] as const)('events %j carries %s: %s', (events, kind, expected) => {
    expect(wants(hook(events as string[] | undefined), kind)).toBe(expected);
  });
});

describe('commandSamples', () => {
  const run = { command: 'create', exitCode: 3, startedAt: new Date('2026-12-07T08:00:00Z'), finishedAt: new Date('2026-12-07T08:00:10Z') };
  it('a failed tenant keeps its last success (no sample), an ok one gets its archive time', () => {
    const samples = commandSamples(run, {
      archives: [
        { source: 'media', tenant: 'acme', id: A, status: 'ok', size: 10, durationMs: 1500 },
        { source: 'media', tenant: 'globex', id: G, status: 'failed', durationMs: 20 },
      ],
    });
    const text = samples.map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`);
    expect(text).toEqual([
      'orgbackup_command_last_run_timestamp_seconds{"command":"create"} 1796630410',
      'orgbackup_command_last_run_duration_seconds{"command":"create"} 10',
      'orgbackup_command_last_run_exit_code{"command":"create"} 3',
      'orgbackup_tenant_last_run_failed{"source":"media","tenant":"acme"} 0',
      'orgbackup_tenant_duration_seconds{"source":"media","tenant":"acme"} 1.5',
      'orgbackup_tenant_size_bytes{"source":"media","tenant":"acme"} 10',
      'orgbackup_last_success_timestamp_seconds{"source":"media","tenant":"acme"} 1796630400',
      'orgbackup_tenant_last_run_failed{"source":"media","tenant":"globex"} 1',
      'orgbackup_tenant_duration_seconds{"source":"media","tenant":"globex"} 0.02',
    ]);
  });
});
