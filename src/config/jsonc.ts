/**
 * JSON with comments and trailing commas (as in SPEC.md's config example), for config files.
 * Comments are blanked outside strings, keeping line numbers for error messages.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += ch;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

/** cosmiconfig loader; the loader reports the file, so the message is JSON's own. */
export function parseJsonc(_filepath: string, content: string): unknown {
  return JSON.parse(stripJsonComments(content)) as unknown;
}
