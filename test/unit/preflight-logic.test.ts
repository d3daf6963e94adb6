/** The pure parts of preflight: /proc parsing, umask exposure, mounts, hints, GRANTs, space verdicts. */
import { describe, expect, it } from 'vitest';
import { umaskExposure } from '../../src/preflight/identity.js';
import { parseProcStatus } from '../../src/util/identity.js';
import { mountOf, parseMountinfo } from '../../src/util/mounts.js';
import { writeRefusedHint, type PathSituation } from '../../src/preflight/hints.js';
import { grantStatements, type PrivilegeProblem } from '../../src/sources/postgres/preflight-privileges.js';
import { judgeSpace, spoolNeed } from '../../src/preflight/space.js';

describe('parseProcStatus', () => {
  it.each([
    {
      name: 'non-root with groups',
      text: 'Umask:\t0022\nUid:\t1001\t1001\t1001\t1001\nGid:\t1001\t1001\t1001\t1001\nGroups:\t1001 27 \n',
      want: { uid: 1001, gid: 1001, groups: [1001, 27], umask: 0o022 },
    },
    { name: 'effective ids differ from real', text: 'Uid:\t0\t1001\t0\t1001\nGid:\t0\t2000\t0\t2000\nGroups:\t\nUmask:\t0077\n', want: { uid: 1001, gid: 2000, groups: [], umask: 0o077 } },
    { name: 'empty Groups line does not swallow the next line', text: 'Groups:\t \nNStgid:\t42\n', want: { groups: [] } },
    { name: 'nothing known', text: 'Name:\tnode\n', want: {} },
  ])('$name', ({ text, want }) => {
    expect(parseProcStatus(text)).toEqual(want);
  });
});

describe('umaskExposure', () => {
  it.each([
    { umask: 0o077, want: undefined },
    { umask: 0o027, want: 'group-readable' },
    { umask: 0o022, want: 'group-readable, world-readable' },
    { umask: 0o000, want: 'group-readable, group-writable, world-readable, world-writable' },
    { umask: 0o007, want: 'group-readable, group-writable' },
  ])('umask $umask', ({ umask, want }) => {
    expect(umaskExposure(umask)).toBe(want);
  });
});

const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '40 27 0:50 / /app/backups rw,nosuid - ext4 /dev/vdb rw',
  '41 27 0:51 / /mnt/with\\040space ro,relatime - tmpfs tmpfs ro',
  '42 27 0:52 / /app/backups rw - tmpfs tmpfs rw',
].join('\n');

describe('mounts', () => {
  const mounts = parseMountinfo(MOUNTINFO);
  it('parses mount points, types and options, unescaping octal', () => {
    expect(mounts.map((m) => [m.mountPoint, m.fsType, m.options[0]])).toEqual([
      ['/', 'ext4', 'rw'],
      ['/app/backups', 'ext4', 'rw'],
      ['/mnt/with space', 'tmpfs', 'ro'],
      ['/app/backups', 'tmpfs', 'rw'],
    ]);
  });
  it.each([
    { target: '/app/backups', mountPoint: '/app/backups', fsType: 'tmpfs' },
    { target: '/app/backups/acme', mountPoint: '/app/backups', fsType: 'tmpfs' },
    { target: '/app/backups-old', mountPoint: '/', fsType: 'ext4' },
    { target: '/mnt/with space/x', mountPoint: '/mnt/with space', fsType: 'tmpfs' },
  ])('$target is on $mountPoint', ({ target, mountPoint, fsType }) => {
    expect(mountOf(mounts, target)).toMatchObject({ mountPoint, fsType });
  });
});

describe('writeRefusedHint', () => {
  const base: PathSituation = { path: '/app/backups', uid: 1001, gid: 1001, ownerUid: 0, ownerGid: 0, mode: 0o755, isMountPoint: false, missing: false, refusedBy: '/app/backups', code: 'EACCES' };
  it.each([
    { name: 'root-owned directory', s: {}, want: 'as root: `chown -R 1001:1001 /app/backups`' },
    { name: 'root-owned volume mount', s: { isMountPoint: true }, want: 'RUN mkdir -p /app/backups && chown 1001:1001 /app/backups' },
    { name: 'root-owned volume mount (Kubernetes)', s: { isMountPoint: true }, want: 'securityContext.fsGroup: 1001' },
    { name: 'volume owned by someone else', s: { isMountPoint: true, ownerUid: 33, ownerGid: 33 }, want: 'chown -R 1001:1001 /app/backups' },
    { name: 'own directory without write bit', s: { ownerUid: 1001, ownerGid: 1001, mode: 0o555 }, want: 'chmod u+rwx /app/backups' },
    { name: 'missing under a root-owned parent', s: { missing: true, refusedBy: '/app' }, want: 'mkdir -p /app/backups && chown -R 1001:1001 /app/backups' },
    { name: 'read-only filesystem', s: { code: 'EROFS' }, want: 'read-only filesystem' },
    { name: 'full filesystem', s: { code: 'ENOSPC' }, want: 'is full' },
    { name: 'root needs no volume hint', s: { uid: 0, gid: 0, isMountPoint: true, mode: 0o000, ownerUid: 5 }, want: 'chown -R 0:0 /app/backups' },
  ])('$name', ({ s, want }) => {
    expect(writeRefusedHint({ ...base, ...s })).toContain(want);
  });
});

describe('grantStatements', () => {
  const t = (name: string, missing: PrivilegeProblem['missing'] = 'select', schema = 'public', kind: PrivilegeProblem['kind'] = 'table'): PrivilegeProblem => ({ schema, name, kind, missing });
  it.each([
    { name: 'one table', problems: [t('secrets')], major: 13, want: ['GRANT SELECT ON "public"."secrets" TO "backup";'], not: ['pg_read_all_data'] },
    {
      name: 'a sequence',
      problems: [t('orders_id_seq', 'select', 'public', 'sequence')],
      major: 15,
      want: ['GRANT SELECT ON SEQUENCE "public"."orders_id_seq" TO "backup";', 'GRANT pg_read_all_data TO "backup";'],
      not: [],
    },
    { name: 'schema without usage', problems: [t('a', 'usage', 'billing')], major: 15, want: ['GRANT USAGE ON SCHEMA "billing" TO "backup";', 'GRANT SELECT ON "billing"."a" TO "backup";'], not: [] },
    {
      name: 'many tables in a schema',
      problems: ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => t(n)),
      major: 15,
      want: ['GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "backup";'],
      not: ['"public"."a"'],
    },
    { name: 'row-level security', problems: [t('docs', 'rls')], major: 15, want: ['ALTER ROLE "backup" BYPASSRLS;'], not: ['GRANT SELECT ON "public"."docs"'] },
  ])('$name', ({ problems, major, want, not }) => {
    const hint = grantStatements('backup', problems, major);
    for (const w of want) expect(hint).toContain(w);
    for (const n of not) expect(hint).not.toContain(n);
  });
});

describe('judgeSpace', () => {
  const MiB = 1024 * 1024;
  it.each([
    { name: 'room for the newest archives', free: 100 * MiB, firm: 10 * MiB, estimated: 0, status: 'pass' },
    { name: 'less than the newest archives', free: 5 * MiB, firm: 10 * MiB, estimated: 0, status: 'fail' },
    { name: 'less than a database-size estimate', free: 50 * MiB, firm: 0, estimated: 100 * MiB, status: 'warn' },
    { name: 'less than a twentieth of the estimate', free: 4 * MiB, firm: 0, estimated: 100 * MiB, status: 'fail' },
    { name: 'firm need plus a fraction of the estimate', free: 11 * MiB, firm: 10 * MiB, estimated: 40 * MiB, status: 'fail' },
    { name: 'nothing known', free: 1, firm: 0, estimated: 0, status: 'pass' },
  ])('$name: $status', ({ free, firm, estimated, status }) => {
    const need = { firmBytes: firm, estimatedBytes: estimated, largestBytes: Math.max(firm, estimated), basis: [] };
    expect(judgeSpace('storage.x.space', '/b', free, need).status).toBe(status);
  });
});

describe('spoolNeed: the largest archives that spool at once', () => {
  const firm = (bytes: number) => ({ bytes, firm: true });
  const guess = (bytes: number) => ({ bytes, firm: false });
  it.each([
    { name: 'fewer tenants than uploads at once', archives: [firm(5), firm(3)], concurrent: 4, firmBytes: 8, estimatedBytes: 0 },
    { name: 'the largest of many tenants', archives: [firm(1), firm(9), firm(4), firm(7)], concurrent: 2, firmBytes: 16, estimatedBytes: 0 },
    { name: 'an estimate among them makes it an estimate', archives: [firm(2), guess(10)], concurrent: 2, firmBytes: 0, estimatedBytes: 12 },
    { name: 'an estimate left out stays firm', archives: [firm(20), guess(10)], concurrent: 1, firmBytes: 20, estimatedBytes: 0 },
    { name: 'nothing known', archives: [], concurrent: 4, firmBytes: 0, estimatedBytes: 0 },
  ])('$name', ({ archives, concurrent, firmBytes, estimatedBytes }) => {
    const need = spoolNeed(archives, concurrent);
    expect([need.firmBytes, need.estimatedBytes]).toEqual([firmBytes, estimatedBytes]);
  });
});
