/** Schema reconciliation, restore-test comparison and plan tables: pure functions, tables of cases. */
import { describe, expect, it } from 'vitest';
import type { ColumnInfo, SchemaFingerprint } from '../../src/archive/manifest.js';
import { compareRestored } from '../../src/restore/compare.js';
import { tableChanges } from '../../src/restore/plan.js';
import { describeDifference, diffFingerprints, type SchemaDifference } from '../../src/restore/reconcile.js';
import { rollbackCommand } from '../../src/restore/safety-backup.js';

const col = (name: string, type = 'integer', nullable = true): ColumnInfo => ({ name, type, nullable });
const fp = (tables: Record<string, ColumnInfo[]>): SchemaFingerprint => ({ sha256: JSON.stringify(tables), tables: Object.entries(tables).map(([name, columns]) => ({ name, columns })) });

const archived = fp({ 'public.users': [col('id', 'integer', false), col('email', 'text')] });

describe('diffFingerprints', () => {
  it.each<[string, SchemaFingerprint, boolean, SchemaDifference['kind'][]]>([
    ['identical', archived, false, []],
    ['an extra nullable column is fine', fp({ 'public.users': [col('id', 'integer', false), col('email', 'text'), col('note', 'text')] }), false, []],
    ['an extra table is fine', fp({ 'public.users': [col('id', 'integer', false), col('email', 'text')], 'public.audit': [col('id')] }), false, []],
    ['a column missing in the target', fp({ 'public.users': [col('id', 'integer', false)] }), false, ['missing-column']],
    ['a changed type', fp({ 'public.users': [col('id', 'bigint', false), col('email', 'text')] }), false, ['type-changed']],
    ['a column that became NOT NULL', fp({ 'public.users': [col('id', 'integer', false), col('email', 'text', false)] }), false, ['now-not-null']],
    ['NOT NULL that became nullable is fine', fp({ 'public.users': [col('id', 'integer', true), col('email', 'text')] }), false, []],
    ['an extra NOT NULL column', fp({ 'public.users': [col('id', 'integer', false), col('email', 'text'), col('plan', 'text', false)] }), false, ['extra-not-null-column']],
    ['a missing table (rows mode)', fp({}), false, ['missing-table']],
    ['an empty target is fine when the restore brings its own DDL', fp({}), true, []],
    ['a missing table next to others (database mode)', fp({ 'public.other': [col('id')] }), true, ['missing-table']],
  ])('%s', (_name, current, carriesSchema, kinds) => {
    expect(diffFingerprints(archived, current, { carriesSchema }).map((d) => d.kind)).toEqual(kinds);
  });

  it.each<[SchemaDifference, string]>([
    [{ kind: 'missing-table', table: 'public.t' }, 'table public.t: in the archive, missing in the target'],
    [{ kind: 'missing-column', table: 'public.t', column: 'c', archived: 'text' }, 'column public.t.c (text): in the archive, missing in the target'],
    [{ kind: 'type-changed', table: 'public.t', column: 'c', archived: 'text', current: 'character varying(20)' }, 'column public.t.c: type text in the archive, character varying(20) in the target'],
    [{ kind: 'now-not-null', table: 'public.t', column: 'c' }, 'column public.t.c: NULL allowed in the archive, NOT NULL in the target'],
    [{ kind: 'extra-not-null-column', table: 'public.t', column: 'c', current: 'text NOT NULL' }, 'column public.t.c (text NOT NULL): only in the target, and it does not allow NULL'],
  ])('describes %j', (difference, text) => {
    expect(describeDifference(difference)).toBe(text);
  });
});

describe('compareRestored', () => {
  const manifest = {
    tables: [
      { name: 'a', rows: 3, checksum: 'x', digest: 'd' },
      { name: 'b', rows: 0, collation: 'latin1_bin' },
    ],
    details: { files: 2, bytes: 10 },
  };
  it.each<[string, Parameters<typeof compareRestored>[1], string[]]>([
    [
      'all equal',
      {
        tables: [
          { name: 'a', rows: 3, digest: 'd' },
          { name: 'b', rows: 0 },
        ],
      },
      [],
    ],
    [
      'no digest observed',
      {
        tables: [
          { name: 'a', rows: 3 },
          { name: 'b', rows: 0 },
        ],
      },
      [],
    ],
    // The byte checksum depends on the order rows were read in: a restore test never compares it.
    [
      'only the byte checksum differs',
      {
        tables: [
          { name: 'a', rows: 3, checksum: 'y', digest: 'd' },
          { name: 'b', rows: 0 },
        ],
      },
      [],
    ],
    [
      'a count differs',
      {
        tables: [
          { name: 'a', rows: 2, digest: 'd' },
          { name: 'b', rows: 0 },
        ],
      },
      ['a: 3 rows in the manifest, 2 restored'],
    ],
    [
      'a digest differs',
      {
        tables: [
          { name: 'a', rows: 3, digest: 'e' },
          { name: 'b', rows: 0 },
        ],
      },
      ['a: the restored rows differ from the archived ones (same count, other contents)'],
    ],
    [
      'a collation differs (MySQL: mapped by a server of the other flavour)',
      {
        tables: [
          { name: 'a', rows: 3 },
          { name: 'b', rows: 0, collation: 'latin1_swedish_ci' },
        ],
      },
      ['b: collation latin1_bin in the manifest, latin1_swedish_ci restored'],
    ],
    [
      'a collation equal, and one the archive did not record',
      {
        tables: [
          { name: 'a', rows: 3, collation: 'utf8mb4_bin' },
          { name: 'b', rows: 0, collation: 'latin1_bin' },
        ],
      },
      [],
    ],
    ['a table is missing', { tables: [{ name: 'a', rows: 3 }] }, ['b: in the manifest (0 rows), missing after restore']],
    ['files equal', { files: { count: 2, bytes: 10 } }, []],
    ['files differ', { files: { count: 1, bytes: 4 } }, ['files: 2 in the manifest, 1 restored', 'bytes: 10 in the manifest, 4 restored']],
  ])('%s', (_name, observed, problems) => {
    expect(compareRestored(manifest, observed)).toEqual(problems);
  });
});

describe('compareRestored, database encoding and locale', () => {
  const latin1 = { encoding: 'LATIN1', collate: 'C', ctype: 'C' };
  const manifest = { tables: [], source: { locale: latin1 } };
  it.each<[string, Parameters<typeof compareRestored>[1], string[]]>([
    ['the same', { tables: [], locale: { ...latin1 } }, []],
    ['not observed (schema mode, other engines)', { tables: [] }, []],
    [
      'the server defaults instead',
      { tables: [], locale: { encoding: 'UTF8', collate: 'C.UTF-8', ctype: 'C.UTF-8' } },
      ['database encoding: LATIN1 in the manifest, UTF8 restored', 'database collation: C in the manifest, C.UTF-8 restored', 'database ctype: C in the manifest, C.UTF-8 restored'],
    ],
    [
      'an ICU locale instead of libc',
      { tables: [], locale: { ...latin1, provider: 'icu', locale: 'und' } },
      ['database locale provider: libc in the manifest, icu restored', 'database provider locale: none in the manifest, und restored'],
    ],
  ])('%s', (_name, observed, problems) => {
    expect(compareRestored(manifest, observed)).toEqual(problems);
  });

  it('compares nothing for archives made before the locale was recorded', () => {
    expect(compareRestored({ tables: [], source: {} }, { tables: [], locale: latin1 })).toEqual([]);
  });
});

describe('compareRestored, MySQL database charset', () => {
  const utf8 = { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' };
  it.each<[string, Parameters<typeof compareRestored>[0]['details'], Parameters<typeof compareRestored>[1], string[]]>([
    ['the same', { charset: 'latin1' }, { tables: [], charset: { charset: 'latin1', collation: 'latin1_swedish_ci' } }, []],
    ['the server default instead', { charset: 'latin1' }, { tables: [], charset: utf8 }, ['database charset: latin1 in the manifest, utf8mb4 restored']],
    // Another flavour may not know the archived collation (utf8mb4_0900_ai_ci on MariaDB).
    ['only the collation differs', { charset: 'utf8mb4', collation: 'utf8mb4_0900_ai_ci' }, { tables: [], charset: utf8 }, []],
    ['archives made before the charset was recorded', {}, { tables: [], charset: utf8 }, []],
    ['not observed (other engines)', { charset: 'latin1' }, { tables: [] }, []],
  ])('%s', (_name, details, observed, problems) => {
    expect(compareRestored({ tables: [], details }, observed)).toEqual(problems);
  });
});

describe('tableChanges', () => {
  it.each([
    ['new target', [{ name: 'a', rows: 2 }], undefined, [{ table: 'a', restored: 2 }]],
    [
      'replaced and kept',
      [{ name: 'a', rows: 2 }],
      [
        { name: 'a', rows: 5 },
        { name: 'z', rows: 1 },
      ],
      [
        { table: 'a', current: 5, restored: 2 },
        { table: 'z', current: 1 },
      ],
    ],
  ])('%s', (_name, archivedTables, current, changes) => {
    expect(tableChanges(archivedTables, current)).toEqual(changes);
  });
});

describe('rollbackCommand', () => {
  it.each([
    [
      'app/42/2026-11-21T09-14-03.120Z',
      'local',
      '/etc/orgbackup/backup.config.json',
      false,
      'orgbackup -c /etc/orgbackup/backup.config.json restore app/42/2026-11-21T09-14-03.120Z --storage local --no-safety-backup --yes',
    ],
    [
      'app/a%20b/2026-11-21T09-14-03.120Z',
      'local',
      "/srv/it's here/c.json",
      true,
      "orgbackup -c '/srv/it'\\''s here/c.json' restore app/a%20b/2026-11-21T09-14-03.120Z --storage local --no-safety-backup --force --yes",
    ],
  ])('%s', (id, storage, config, force, command) => {
    expect(rollbackCommand(id, storage, config, force)).toBe(command);
  });
});
