import { describe, expect, it } from 'vitest';
import { archiveId, archiveKey, decodeTenant, encodeTenant, formatTimestamp, parseArchiveId, parseKey, parseTimestamp, sidecarKey } from '../../src/archive/layout.js';

describe('tenant id encoding', () => {
  it.each([
    ['org-42', 'org-42'],
    ['Acme_Corp.v2', 'Acme_Corp.v2'],
    ['.', '%2E'],
    ['..', '%2E.'],
    ['.hidden', '%2Ehidden'],
    ['a/b', 'a%2Fb'],
    ['../../etc', '%2E.%2F..%2Fetc'],
    ['with space', 'with%20space'],
    ['quote\'"', 'quote%27%22'],
    ['$(rm -rf /);`x`', '%24%28rm%20-rf%20%2F%29%3B%60x%60'],
    ['100%', '100%25'],
    ['zürich', 'z%C3%BCrich'],
    ['東京', '%E6%9D%B1%E4%BA%AC'],
  ])('%j -> %s and back', (id, encoded) => {
    expect(encodeTenant(id)).toBe(encoded);
    expect(decodeTenant(encoded)).toBe(id);
    expect(encoded).toMatch(/^[A-Za-z0-9._%-]+$/);
    expect(['.', '..']).not.toContain(encoded);
    expect(encoded.startsWith('.')).toBe(false);
  });

  it('refuses an empty tenant id', () => {
    expect(() => encodeTenant('')).toThrow(/empty/);
  });
});

describe('timestamps', () => {
  it.each([
    ['2026-11-20T02:00:00.000Z', '2026-11-20T02-00-00.000Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23-59-59.999Z'],
  ])('%s formats as %s and parses back', (iso, formatted) => {
    expect(formatTimestamp(new Date(iso))).toBe(formatted);
    expect(parseTimestamp(formatted)?.toISOString()).toBe(iso);
  });

  it.each(['2026-11-20T02:00:00.000Z', '2026-13-20T02-00-00.000Z', '2026-11-20', 'latest', '2026-11-20T02-00-00Z'])('rejects %s', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('sorts lexically in time order', () => {
    const times = ['2026-01-02T00:00:00.000Z', '2025-12-31T23:59:59.999Z', '2026-01-01T12:00:00.000Z'].map((t) => formatTimestamp(new Date(t)));
    expect([...times].sort()).toEqual([times[1], times[2], times[0]]);
  });
});

describe('archive ids and keys', () => {
  const ts = '2026-11-20T02-00-00.000Z';

  it.each([
    [{ source: 'app', tenant: '_all', timestamp: ts }, `app/_all/${ts}`],
    [{ source: 'app', tenant: 'a/b', timestamp: ts }, `app/a%2Fb/${ts}`],
    [{ source: 'media', tenant: '..', timestamp: ts }, `media/%2E./${ts}`],
  ])('%j has id %s', (ref, id) => {
    expect(archiveId(ref)).toBe(id);
    expect(parseArchiveId(id)).toEqual(ref);
  });

  it.each([
    [`app/_all/${ts}.zip`, 'archive', false],
    [`app/_all/${ts}.zip.age`, 'archive', true],
    [`app/_all/${ts}.manifest.json`, 'sidecar', false],
  ] as const)('parses key %s', (key, kind, encrypted) => {
    expect(parseKey(key)).toMatchObject({ id: `app/_all/${ts}`, kind, encrypted });
  });

  it.each([
    `_state/nightly/${ts}.json`,
    `app/_all/.${ts}.zip.tmp-1-ab`,
    `app/../x/${ts}.zip`,
    `app/.x/${ts}.zip`,
    `app/_all/${ts}.tar`,
    'README',
    `a/b/c/${ts}.zip`,
    `app/%61cme/${ts}.zip`,
    `app/%2E%2E%2Fvictim/${ts}.manifest.json`,
    `app/a%2fb/${ts}.zip`,
  ])('ignores %s', (key) => {
    expect(parseKey(key)).toBeUndefined();
  });

  it('builds archive and sidecar keys', () => {
    expect(archiveKey(`app/_all/${ts}`, false)).toBe(`app/_all/${ts}.zip`);
    expect(archiveKey(`app/_all/${ts}`, true)).toBe(`app/_all/${ts}.zip.age`);
    expect(sidecarKey(`app/_all/${ts}`)).toBe(`app/_all/${ts}.manifest.json`);
  });
});
