/** Database source URLs are checked at config load, after interpolation, naming the key (exit 2). */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function problemsOf(type: 'postgres' | 'mysql', url: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig({ version: 1, sources: { app: { type, url } }, storage: { local: { type: 'local', path: './b' } } }, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('source URLs at load', () => {
  it.each([
    ['postgres', 'postgres://backup@db:5432/app'],
    ['postgres', 'postgresql://backup:s3cr%40t@db.internal/app?sslmode=require'],
    ['postgres', 'postgres:///app?host=/var/run/postgresql'],
    ['postgres', 'postgres://backup@[::1]:5432/app'],
    ['postgres', 'postgres://post%20gres:pass%20word@db/app'],
    ['postgres', 'postgres://u@db:65535/app'],
    ['mysql', 'mysql://root@127.0.0.1:3306/app'],
    ['mysql', 'mariadb://root@localhost/?socket=/run/mysqld/mysqld.sock'],
  ] as const)('accepts a %s source at %s', (type, url) => {
    expect(problemsOf(type, url)).toEqual([]);
  });

  it.each([
    ['postgres', 'not a url', 'the URL contains a space, tab or line break'],
    ['postgres', 'db.internal:5432/app', 'not a URL; expected postgres://user@host:5432/database'],
    ['postgres', 'postgres:db/app', 'not a URL'],
    ['postgres', 'postgres://post gres@db/app', 'the URL contains a space, tab or line break (write a space in the user name or password as %20)'],
    ['postgres', 'postgres://u@db\n/app', 'the URL contains a space, tab or line break'],
    ['postgres', 'postgres://u@db:99999/app', 'the port must be a number from 1 to 65535'],
    ['postgres', 'postgres://u@db:0/app', 'the port must be a number from 1 to 65535'],
    ['postgres', 'postgres://user:hunter2/app', 'the port must be a number from 1 to 65535'],
    ['postgres', 'mysql://root@db/app', 'a postgres source needs a postgres:// or postgresql:// URL, not mysql:// (is this a "mysql" source?)'],
    ['postgres', 'https://db/app', 'a postgres source needs a postgres:// or postgresql:// URL; expected'],
    ['mysql', 'postgres://u@db/app', 'a mysql source needs a mysql:// or mariadb:// URL, not postgres:// (is this a "postgres" source?)'],
    ['mysql', 'mysql://root@db:70000/app', 'the port must be a number from 1 to 65535'],
    ['postgres', 'postgres://u@db^x/app', 'not a valid URL'],
    ['postgres', 'postgres://u:p%zz@db/app', 'the password has a "%" not followed by two hex digits'],
    ['postgres', 'postgres://u@db/ap%zzp', 'the database has a "%" not followed by two hex digits'],
    ['postgres', 'postgres://u@db%20x/app', 'the host contains a space'],
  ] as const)('rejects a %s source at %j naming the key', (type, url, expected) => {
    const problems = problemsOf(type, url);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`sources.app.url: ${expected}`);
  });

  it('never repeats the URL, which may carry a password', () => {
    for (const url of ['postgres://u:hunter2@db:99999/app', 'postgres://user:hunter2/app', 'mysql://u:hunter2@db/app', 'postgres://u:hunter2 x@db/app']) {
      expect(problemsOf('postgres', url).join('\n')).not.toContain('hunter2');
    }
  });

  it('checks a URL from the environment after interpolation', () => {
    expect(problemsOf('postgres', '${DB_URL}', { DB_URL: 'postgres://u@db:99999/app' })).toEqual([
      'sources.app.url: the port must be a number from 1 to 65535; expected postgres://user@host:5432/database',
    ]);
    expect(problemsOf('postgres', 'postgres://${DB_USER}@db/app', { DB_USER: 'post gres' })[0]).toContain('sources.app.url: the URL contains a space');
    expect(problemsOf('postgres', '${DB_URL}', { DB_URL: 'postgres://backup@db/app' })).toEqual([]);
  });
});

describe('webhook URLs and S3 endpoints at load', () => {
  function httpProblems(url: string): string[] {
    try {
      parseConfig(
        {
          version: 1,
          sources: { app: { type: 'files', path: './t' } },
          storage: { s3: { type: 's3', bucket: 'b', endpoint: url } },
          notifications: { webhook: { url } },
        },
        {},
      );
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  }

  it.each(['https://hooks.example.com/services/T0/B0/xyz', 'http://127.0.0.1:4569', 'http://[::1]:9000/'])('accepts %s', (url) => {
    expect(httpProblems(url)).toEqual([]);
  });

  it.each([
    ['not a url', 'has a space, tab or line break'],
    ['hooks.example.com/x', 'not a valid URL'],
    ['ftp://files.example.com/x', 'the scheme must be http or https, not ftp'],
    ['postgres://db/app', 'the scheme must be http or https, not postgres'],
    ['https://tok3n@\thost/x', 'has a space, tab or line break'],
  ])('refuses %j, naming both keys without repeating the URL', (url, message) => {
    const problems = httpProblems(url);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^storage\\.s3\\.endpoint: ${message}`));
    expect(problems[1]).toMatch(new RegExp(`^notifications\\.webhook\\.url: ${message}`));
    for (const p of problems) expect(p).not.toContain(url);
  });
});
