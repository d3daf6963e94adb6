/**
 * Database source URLs checked when the config loads (after `${VAR}` interpolation), so that a URL
 * the run cannot use is an exit 2 naming the key instead of a dry run that passes and a real run
 * that fails. The checks are stricter than WHATWG URL parsing, which the sources use at run time:
 * it silently drops tabs and line breaks and percent-encodes a space in the user name (so
 * `postgres://post gres@db/app` logged in as "post gres"). Messages never repeat the URL or its
 * parts: it may carry a password.
 */

export interface DbUrlKind {
  /** The source type, e.g. "postgres". */
  type: string;
  /** Accepted schemes without "://", e.g. ["postgres", "postgresql"]. */
  schemes: readonly string[];
  example: string;
  /** The schemes as run-time messages name them (postgresql:// is an alias, not named). */
  named: string;
}

export const POSTGRES_URL: DbUrlKind = { type: 'postgres', schemes: ['postgres', 'postgresql'], example: 'postgres://user@host:5432/database', named: 'postgres://' };
export const MYSQL_URL: DbUrlKind = { type: 'mysql', schemes: ['mysql', 'mariadb'], example: 'mysql://user@host:3306/database', named: 'mysql:// or mariadb://' };

/** Schemes named back to the user (never an arbitrary prefix, which could be part of a secret). */
const KNOWN_SCHEMES: Record<string, string> = { postgres: 'postgres', postgresql: 'postgres', mysql: 'mysql', mariadb: 'mysql' };

// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

export function dbUrlProblem(url: string, kind: DbUrlKind): string | undefined {
  if (url === '') return undefined; // the schema's min(1) reports it
  const expected = `expected ${kind.example}`;
  if (SPACE_OR_CONTROL.test(url)) {
    return `the URL contains a space, tab or line break (write a space in the user name or password as %20); ${expected}`;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return `not a URL; ${expected}`;
  if (!kind.schemes.includes(scheme)) {
    const other = KNOWN_SCHEMES[scheme];
    const which = kind.schemes.map((s) => `${s}://`).join(' or ');
    return other ? `a ${kind.type} source needs a ${which} URL, not ${scheme}:// (is this a "${other}" source?)` : `a ${kind.type} source needs a ${which} URL; ${expected}`;
  }
  const portProblem = checkPort(url.slice(scheme.length + 3));
  if (portProblem) return `${portProblem}; ${expected}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a valid URL (a character in the host, or a reserved one such as @ : / in the user name or password, needs percent-encoding); ${expected}`;
  }
  return decodeProblem(parsed, expected);
}

/** WHATWG only says "Invalid URL" for a bad port: say which rule it breaks. */
function checkPort(rest: string): string | undefined {
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
  if (port === undefined || port === '') return undefined;
  const n = /^\d+$/.test(port) ? Number(port) : NaN;
  return n >= 1 && n <= 65535 ? undefined : 'the port must be a number from 1 to 65535';
}

/** The sources percent-decode these parts; a stray `%` would throw there as an internal error. */
function decodeProblem(parsed: URL, expected: string): string | undefined {
  const parts: [string, string][] = [
    ['user name', parsed.username],
    ['password', parsed.password],
    ['host', parsed.hostname],
    ['database', parsed.pathname.replace(/^\//, '')],
  ];
  for (const [what, raw] of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return `the ${what} has a "%" not followed by two hex digits (write a literal % as %25); ${expected}`;
    }
    if (what === 'host' && SPACE_OR_CONTROL.test(decoded)) return `the host contains a space or control character; ${expected}`;
  }
  return undefined;
}

/**
 * Why `value` is not an http(s) URL a client can send to (a webhook, an S3 endpoint), or undefined.
 * Like database URLs, checked at load rather than at the first request ("Invalid URL" from deep in
 * the AWS SDK); the message never repeats the URL, which may carry a token.
 */
export function httpUrlProblem(value: string): string | undefined {
  const expected = 'expected an http:// or https:// URL such as https://host:port/path';
  if (/\s/.test(value)) return `has a space, tab or line break (percent-encode it as %20); ${expected}`;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `not a valid URL; ${expected}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `the scheme must be http or https, not ${parsed.protocol.slice(0, -1)}; ${expected}`;
  if (!parsed.hostname) return `has no host; ${expected}`;
  return undefined;
}
