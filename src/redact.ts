/**
 * Secrets must never reach logs, error messages, manifests, JSON output or notifications. Every
 * secret the process learns (passwords, passphrases, keys) is registered here, and text leaving
 * the process through the printer, an error or a webhook passes through `redact`.
 *
 * Two layers, because neither is enough alone:
 * - forms: whatever the value, the password part of `scheme://user:pass@host` (up to the last `@`,
 *   so `p@ss` and `pa/ss` are covered), `password=...` pairs (libpq keyword strings, with their
 *   quoting), `PGPASSWORD=` / `MYSQL_PWD=` assignments and JSON `"password": "..."` members;
 * - registered values, also in their percent-encoded and JSON-escaped spellings. A value of 4 or
 *   more characters is removed wherever it occurs. A shorter one (a 1-character password is
 *   legal) is removed only where it stands alone as a word, between spaces, quotes or
 *   punctuation: removing every `a` from the output would make it unreadable, and such a value
 *   glued inside a longer word gives nothing away.
 */
const MASK = '***';
/** Values at least this long are removed as substrings; shorter ones only as whole tokens. */
const SUBSTRING_MIN = 4;
const secrets = new Set<string>();

/** The clients' own fallback variables are secrets like any other. */
const ENV_SECRETS = ['PGPASSWORD', 'MYSQL_PWD'];

export function registerSecret(value: string | undefined): void {
  if (!value) return;
  secrets.add(value);
  secrets.add(encodeURIComponent(value));
  secrets.add(JSON.stringify(value).slice(1, -1));
}

/** Tests only: forget every registered value. */
export function clearSecrets(): void {
  secrets.clear();
}

const KEYS = String.raw`(?:password|passwd|passphrase|pgpassword|mysql_pwd|pwd|secret_?access_?key|secret)`;
/** `scheme://user:` then everything up to the last `@` of the unbroken run (passwords with `@` or `/`). */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"']*:)[^\s"']*@/gi;
/** `"password": "..."` in JSON text. */
const JSON_MEMBER = new RegExp(String.raw`("${KEYS}"\s*:\s*")(?:[^"\\]|\\.)*"`, 'gi');
/** `password='a b\'c'` (libpq quoting), `password="..."`, or an unquoted value up to a space, `&` or `"`. */
const PAIR = new RegExp(String.raw`(\b${KEYS}\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s&"]+)`, 'gi');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A short value only as a whole token: not touching a letter, digit or another token character. */
function wholeToken(secret: string): RegExp {
  return new RegExp(String.raw`(?<![\p{L}\p{N}_\-.@/%])${escapeRegExp(secret)}(?![\p{L}\p{N}_\-.@/%])`, 'gu');
}

function knownValues(): string[] {
  const values = new Set(secrets);
  for (const name of ENV_SECRETS) {
    const value = process.env[name];
    if (value) values.add(value);
  }
  // Longest first, so that a secret containing another is removed whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** Removes secrets in the forms above and every registered value. */
export function redact(text: string): string {
  let out = text.replace(URL_USERINFO, `$1${MASK}@`).replace(JSON_MEMBER, `$1${MASK}"`).replace(PAIR, `$1${MASK}`);
  for (const secret of knownValues()) {
    if (/^\*+$/.test(secret)) continue; // indistinguishable from the mask itself
    out = secret.length >= SUBSTRING_MIN ? out.split(secret).join(MASK) : out.replace(wholeToken(secret), MASK);
  }
  return out;
}

/** Every string in a JSON-like value redacted (webhook payloads, before they are serialised). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, redactDeep(item)])) as T;
  }
  return value;
}

/** A URL with its password removed, for manifests and messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    return parsed.toString();
  } catch {
    return redact(url);
  }
}
