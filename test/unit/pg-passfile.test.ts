import { describe, expect, it } from 'vitest';
import { parsePgUrl, pgDbnameArg, pgPassfileLines } from '../../src/sources/postgres/connection.js';

describe('passfile lines', () => {
  it.each([
    { url: 'postgres://app:pw@db.internal:5433/x', lines: 'db.internal:5433:*:app:pw\n' },
    { url: 'postgres://app:pw@127.0.0.1/x', lines: '127.0.0.1:5432:*:app:pw\n' },
    { url: 'postgres://app:a%3Ab%5Cc@h:5432/x', lines: 'h:5432:*:app:a\\:b\\\\c\n' },
    { url: 'postgres://us%3Aer:pw@h/x', lines: 'h:5432:*:us\\:er:pw\n' },
    { url: 'postgres://app:*@h/x', lines: 'h:5432:*:app:*\n' },
    // libpq matches the host as it connects to it, ::1 without brackets (its colons escaped).
    { url: 'postgres://app:pw@[::1]:5432/x', lines: '\\:\\:1:5432:*:app:pw\n' },
  ])('$url', ({ url, lines }) => {
    const text = pgPassfileLines(parsePgUrl(url));
    expect(text).toBe(lines);
    // Never a line that matches any host.
    expect(text).not.toMatch(/^\*:/m);
  });

  it('a Unix socket directory also matches as localhost, as libpq looks it up', () => {
    const conn = { host: '/run/postgresql', port: 5432, user: 'app', database: 'x', password: 'pw', params: {} };
    expect(pgPassfileLines(conn)).toBe('/run/postgresql:5432:*:app:pw\nlocalhost:5432:*:app:pw\n');
  });
});

describe('--dbname for the tools', () => {
  it.each([
    { name: 'app', arg: "--dbname=dbname='app'" },
    { name: 'host=evil dbname=x', arg: "--dbname=dbname='host=evil dbname=x'" },
    { name: 'postgres://evil/x', arg: "--dbname=dbname='postgres://evil/x'" },
    { name: "it's\\", arg: "--dbname=dbname='it\\'s\\\\'" },
  ])('$name', ({ name, arg }) => {
    expect(pgDbnameArg(name)).toBe(arg);
  });
});
