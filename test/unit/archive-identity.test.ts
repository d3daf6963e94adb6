/** An archive's identity comes from its key: sidecar and inner manifest must agree with it and with each other. */
import { describe, expect, it } from 'vitest';
import { checkInnerManifest, checkSidecarIdentity } from '../../src/archive/identity.js';
import type { Manifest, Sidecar } from '../../src/archive/manifest.js';
import { VerificationError } from '../../src/errors.js';

const ID = 'app/acme/2026-11-20T02-00-00.000Z';

function sidecar(): Sidecar {
  return {
    formatVersion: 1,
    tool: { name: 'orgbackup', version: '0.1.0' },
    id: ID,
    source: { name: 'app', type: 'files' },
    tenant: { id: 'acme', mode: 'directory' },
    createdAt: '2026-11-20T02:00:00.000Z',
    startedAt: '2026-11-20T02:00:00.000Z',
    finishedAt: '2026-11-20T02:00:01.000Z',
    trigger: 'manual',
    dump: { tool: 'orgbackup-files', args: [] },
    compression: 'none',
    entries: [{ name: 'files/a.txt', size: 1, sha256: 'aa' }],
    tables: [],
    labels: {},
    details: { directory: 'acme' },
    object: { key: `${ID}.zip`, size: 100, sha256: 'bb' },
  };
}

type Edit = (s: Sidecar) => void;

describe('sidecar against its key', () => {
  it("accepts the sidecar the writer made, and returns the key's tenant", () => {
    expect(checkSidecarIdentity(ID, sidecar(), 'local')).toEqual({ source: 'app', tenant: 'acme', timestamp: '2026-11-20T02-00-00.000Z' });
    const encrypted = { ...sidecar(), encryption: { recipients: ['age1x'], passphrase: false }, object: { key: `${ID}.zip.age`, size: 1, sha256: 'c' } };
    expect(() => checkSidecarIdentity(ID, encrypted, 'local')).not.toThrow();
  });

  it.each<[string, Edit, RegExp]>([
    ['tenant ../victim', (s) => (s.tenant.id = '../victim'), /tenant "\.\.\/victim" \(the key says "acme"\)/],
    ['another tenant', (s) => (s.tenant.id = 'globex'), /tenant "globex"/],
    ['another source', (s) => (s.source.name = 'media'), /source "media" \(the key says "app"\)/],
    ['another id', (s) => (s.id = 'app/globex/2026-11-20T02-00-00.000Z'), /id "app\/globex\//],
    ["another archive's object", (s) => (s.object.key = 'app/globex/2026-11-20T02-00-00.000Z.zip'), /object key "app\/globex\//],
    ['a key outside the layout', (s) => (s.object.key = '../../etc/passwd'), /object key/],
    ['encrypted object, no encryption recorded', (s) => (s.object.key = `${ID}.zip.age`), /object key/],
    ['no tenant', (s) => delete (s as Partial<Sidecar>).tenant, /tenant undefined/],
  ])('refuses %s (exit 5)', (_what, edit, message) => {
    const doctored = sidecar();
    edit(doctored);
    expect(() => checkSidecarIdentity(ID, doctored, 'local')).toThrow(message);
    expect(() => checkSidecarIdentity(ID, doctored, 'local')).toThrow(VerificationError);
  });
});

describe('inner manifest against its sidecar', () => {
  const inner = (): Manifest => {
    const { object: _object, ...rest } = sidecar();
    return structuredClone(rest);
  };

  it('accepts the manifest the writer made (key order aside)', () => {
    const reordered = Object.fromEntries(Object.entries(inner()).reverse()) as unknown as Manifest;
    expect(() => checkInnerManifest(reordered, sidecar(), 'archive x')).not.toThrow();
  });

  it('accepts a sidecar whose recipients changed when the object was re-encrypted with stock age', () => {
    const encrypted = { ...inner(), encryption: { recipients: ['age1old'], passphrase: false } };
    const rewrapped = { ...sidecar(), encryption: { recipients: ['age1new'], passphrase: false } };
    expect(() => checkInnerManifest(encrypted, rewrapped, 'archive x')).not.toThrow();
  });

  it.each<[string, (m: Manifest) => void, RegExp]>([
    ['another id', (m) => (m.id = 'app/acme/2026-11-19T02-00-00.000Z'), /id "app\/acme\/2026-11-19T02-00-00\.000Z" \(its sidecar says/],
    ['another tenant', (m) => (m.tenant.id = 'globex'), /tenant "globex" \(its sidecar says "acme"\)/],
    ['another source', (m) => (m.source.name = 'media'), /source "media"/],
    ['another tenant mode', (m) => (m.tenant.mode = 'none'), /tenant mode "none"/],
    ['other entries', (m) => (m.entries = [{ name: 'files/b.txt', size: 1, sha256: 'aa' }]), /entries differ from its sidecar/],
    ['other details', (m) => (m.details = { directory: '../victim' }), /details differ from its sidecar/],
    ['other row counts', (m) => (m.tables = [{ name: 't', rows: 1 }]), /tables differ/],
  ])('refuses %s', (_what, edit, message) => {
    const doctored = inner();
    edit(doctored);
    expect(() => checkInnerManifest(doctored, sidecar(), 'archive x')).toThrow(message);
    expect(() => checkInnerManifest(doctored, sidecar(), 'archive x')).toThrow(VerificationError);
  });
});
