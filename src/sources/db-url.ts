/**
 * The part of a database source URL both SQL engines read the same way (postgres://, mysql://):
 * the URL parsed, its scheme checked, the password decoded and registered as a secret (so it is
 * redacted from every log and error), and host, port and user with the engine's defaults. Each
 * engine's connection.ts adds what is its own (libpq parameters; MySQL's socket and TLS).
 */
import type { DbUrlKind } from '../config/db-url.js';
import { resolveSecret } from '../config/secrets.js';
import { UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { hostOfUrl } from '../util/url-host.js';

export interface DbUrlDefaults {
  port: number;
  user: string;
}

export interface DbUrlParts {
  url: URL;
  /** Empty when the URL names none (each engine picks its default). */
  host: string;
  port: number;
  user: string;
  /** Empty when the URL names none. */
  database: string;
  password?: string;
}

export function parseDbUrl(text: string, key: string, kind: DbUrlKind, defaults: DbUrlDefaults): DbUrlParts {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${key}: not a valid URL (expected ${kind.example})`, { hint: 'percent-encode special characters of the user and password (@ as %40, : as %3A)' });
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!kind.schemes.includes(scheme)) {
    throw new UsageError(`${key}: expected a ${kind.named} URL, got ${url.protocol}//`, { hint: `write it as ${kind.example}` });
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  registerSecret(password);
  return {
    url,
    host: hostOfUrl(url),
    port: url.port ? Number(url.port) : defaults.port,
    user: decodeURIComponent(url.username) || defaults.user,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    ...(password !== undefined ? { password } : {}),
  };
}

/**
 * A database source's connection: its `url` parsed by the engine's parser, with the password from
 * its configured place ("password" or "passwordFile") when it has one, else the URL's.
 */
export async function sourceConnection<C extends { password?: string }>(
  name: string,
  config: { url: string; password?: string; passwordFile?: string },
  parse: (url: string, key: string) => C,
): Promise<C> {
  const conn = parse(config.url, `sources.${name}.url`);
  const password = await resolveSecret(config.password, config.passwordFile, `sources.${name}.passwordFile`);
  return password !== undefined ? { ...conn, password } : conn;
}
