/** Hosts between URLs and drivers: IPv6 literals lose their brackets for drivers and get them back in URLs. */
import { describe, expect, it } from 'vitest';
import { parseMysqlUrl } from '../../src/sources/mysql/connection.js';
import { describePg, parsePgUrl } from '../../src/sources/postgres/connection.js';
import { hostInUrl, hostOfUrl } from '../../src/util/url-host.js';

describe('hostOfUrl', () => {
  it.each([
    ['postgres://u@db.example:5432/app', 'db.example'],
    ['postgres://u@127.0.0.1/app', '127.0.0.1'],
    ['postgres://u@[::1]:5432/app', '::1'],
    ['mysql://u@[2001:db8::5]/app', '2001:db8::5'],
    ['postgres:///app', ''],
  ])('%s -> %j', (url, host) => {
    expect(hostOfUrl(new URL(url))).toBe(host);
  });
});

describe('hostInUrl', () => {
  it.each([
    ['db.example', 'db.example'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
    ['[::1]', '[::1]'],
  ])('%s -> %s', (host, written) => {
    expect(hostInUrl(host)).toBe(written);
  });

  it('makes a URL that parses back to the same host (url.hostname ignores a bare IPv6 literal)', () => {
    const url = new URL('postgres://localhost');
    url.hostname = hostInUrl('::1');
    expect(hostOfUrl(url)).toBe('::1');
  });
});

describe('database URLs with an IPv6 host', () => {
  it.each([
    ['postgres', () => parsePgUrl('postgres://u@[::1]:6543/app', 'k').host],
    ['mysql', () => parseMysqlUrl('mysql://u@[::1]:3307/app', 'k').host],
  ])('%s takes ::1 without brackets', (_engine, host) => {
    expect(host()).toBe('::1');
  });

  it('is described with brackets, so the port stays apart', () => {
    expect(describePg(parsePgUrl('postgres://u@[::1]:6543/app', 'k'))).toBe('u@[::1]:6543/app');
  });
});
