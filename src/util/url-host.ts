/**
 * Hosts between URLs and drivers. WHATWG URL keeps an IPv6 literal in brackets
 * (`postgres://u@[::1]:5432/db` has hostname `[::1]`), which libpq, mysql2 and the native tools
 * take as a name to resolve, and it silently ignores `url.hostname = '::1'` without them.
 */

/** A parsed URL's host as drivers and tools take it: percent-decoded, IPv6 without brackets. */
export function hostOfUrl(parsed: URL): string {
  const host = decodeURIComponent(parsed.hostname);
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** A host as it is written in a URL or after `user@`: IPv6 in brackets, so the port stays apart. */
export function hostInUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
