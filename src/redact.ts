/**
 * Secrets must never reach logs, error messages, manifests or JSON output. Every secret the
 * process learns (passwords, passphrases, keys) is registered here, and text leaving the process
 * through the printer or an error passes through `redact`.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 3) secrets.add(value);
}

/** Removes registered secrets and the password part of URLs (`scheme://user:pass@host`). */
export function redact(text: string): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]+@/gi, '$1***@');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/** A URL with its password removed, for manifests and messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return redact(url);
  }
}
