import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook, type RunReport } from '../../src/notify/webhook.js';
import { clearSecrets, redact, registerSecret } from '../../src/redact.js';

afterEach(() => {
  clearSecrets();
  delete process.env.PGPASSWORD;
  delete process.env.MYSQL_PWD;
});

interface Case {
  form: string;
  text: string;
  /** Registered before redacting (config passwords, passphrases). */
  known?: string[];
  env?: Record<string, string>;
  /** Must not appear in the output. */
  gone: string[];
  /** The redacted text exactly, where the rest of the message must survive. */
  expected?: string;
}

const cases: Case[] = [
  { form: 'URL password', text: 'postgres://u:hunter2@h/db', gone: ['hunter2'], expected: 'postgres://u:***@h/db' },
  { form: 'URL password with @', text: 'cannot connect postgres://u:p@ss@h:5432/db', gone: ['p@ss', 'ss@'], expected: 'cannot connect postgres://u:***@h:5432/db' },
  { form: 'URL password with /', text: 'url postgres://u:pa/ss@h/db failed', gone: ['pa/ss', 'ss@'], expected: 'url postgres://u:***@h/db failed' },
  { form: 'URL password with @ and / in JSON', text: '{"url":"mysql://root:a/b@c@db:3306/x","n":1}', gone: ['a/b', 'b@c'], expected: '{"url":"mysql://root:***@db:3306/x","n":1}' },
  { form: 'URL, empty user', text: 'redis://:tok3n@h', gone: ['tok3n'], expected: 'redis://:***@h' },
  { form: 'libpq keyword string', text: 'dbname=app host=h password=s3cret user=u', gone: ['s3cret'], expected: 'dbname=app host=h password=*** user=u' },
  { form: "libpq quoted password='a b'", text: "host=h password='a b\\'c' user=u", gone: ['a b', "\\'c"], expected: 'host=h password=*** user=u' },
  { form: 'password = value with spaces around =', text: 'password = xyz9 port=5432', gone: ['xyz9'], expected: 'password = *** port=5432' },
  { form: 'URL query ?password=', text: 'postgres://h/db?sslmode=require&password=qq77&x=1', gone: ['qq77'], expected: 'postgres://h/db?sslmode=require&password=***&x=1' },
  { form: 'PGPASSWORD= assignment', text: 'env PGPASSWORD=zz11 pg_dump', gone: ['zz11'], expected: 'env PGPASSWORD=*** pg_dump' },
  { form: 'MYSQL_PWD= assignment', text: 'MYSQL_PWD="m y" mysqldump', gone: ['m y'], expected: 'MYSQL_PWD=*** mysqldump' },
  { form: 'JSON password member', text: '{"password": "p\\"q", "user": "u"}', gone: ['p\\"q'], expected: '{"password": "***", "user": "u"}' },
  { form: 'PGPASSWORD from the environment, bare', text: 'FATAL: role x uses envpass', env: { PGPASSWORD: 'envpass' }, gone: ['envpass'] },
  { form: 'MYSQL_PWD from the environment, bare', text: 'tool said: mpw-42!', env: { MYSQL_PWD: 'mpw-42!' }, gone: ['mpw-42!'] },
  { form: 'known secret, percent-encoded in a URL host part', text: 'see https://h/?k=p%40ss%2Fw', known: ['p@ss/w'], gone: ['p%40ss%2Fw'] },
  { form: 'known secret, JSON-escaped', text: '{"note":"a\\"b\\\\c"}', known: ['a"b\\c'], gone: ['a\\"b\\\\c'] },
  { form: 'known 1-char secret as a token', text: "login with 'x' failed", known: ['x'], gone: ["'x'"], expected: "login with '***' failed" },
  { form: 'known 1-char secret does not destroy words', text: 'export x to xylophone.txt', known: ['x'], gone: [' x '], expected: 'export *** to xylophone.txt' },
  { form: 'known 2-char secret as token, kept inside words', text: 'pw is ab; abc stays', known: ['ab'], gone: [' ab;'], expected: 'pw is ***; abc stays' },
  { form: 'known long secret anywhere', text: 'prefixLongSecret99suffix', known: ['LongSecret99'], gone: ['LongSecret99'], expected: 'prefix***suffix' },
  { form: 'secret containing another secret', text: 'key abcdef12', known: ['abcd', 'abcdef12'], gone: ['ef12'], expected: 'key ***' },
  {
    form: 'no secret: text untouched',
    text: 'postgres://u@h:5432/db password authentication failed (passwordFile)',
    gone: [],
    expected: 'postgres://u@h:5432/db password authentication failed (passwordFile)',
  },
];

describe('redact', () => {
  it.each(cases)('$form', ({ text, known, env, gone, expected }) => {
    for (const value of known ?? []) registerSecret(value);
    Object.assign(process.env, env);
    const out = redact(text);
    for (const leak of gone) expect(out).not.toContain(leak);
    if (expected !== undefined) expect(out).toBe(expected);
  });
});

describe('webhook payload', () => {
  it('is redacted before it is posted', async () => {
    registerSecret('k');
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const report: RunReport = {
      schedule: 'nightly',
      shard: 'all',
      status: 'failed',
      exitCode: 4,
      sources: ['app'],
      storages: ['local'],
      counts: { ok: 0, partial: 0, failed: 1 },
      failed: [{ source: 'app', tenant: 't1', error: 'pg_dump: connection to "dbname=x password=leak1 host=h" failed; key k' }],
      error: 'cannot connect postgres://u:p@ss@h/db',
      startedAt: '2026-11-20T02:00:00.000Z',
      finishedAt: '2026-11-20T02:00:01.000Z',
      durationMs: 1000,
    };
    const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined };
    try {
      expect(await sendWebhook({ url, on: ['always'], timeoutMs: 5000 }, report, { log })).toBe(true);
    } finally {
      server.close();
    }
    expect(bodies).toHaveLength(1);
    for (const leak of ['leak1', 'p@ss', 'ss@h', 'key k']) expect(bodies[0]).not.toContain(leak);
    const payload = JSON.parse(bodies[0]!) as { error: string; failed: { error: string }[]; text: string };
    expect(payload.error).toBe('cannot connect postgres://u:***@h/db');
    expect(payload.failed[0]!.error).toBe('pg_dump: connection to "dbname=x password=*** host=h" failed; key ***');
  });
});
