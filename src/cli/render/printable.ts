/**
 * Data in human output (tenant ids and names, file names, tool errors) may hold terminal control
 * characters: ESC/CSI/OSC sequences can recolour, retitle or rewrite a terminal, and a newline or CR
 * can forge a table row. Human output shows them escaped (`\x1b`, `\n`, `\u202e`); JSON output
 * keeps the exact strings.
 */

// C0 controls, DEL, C1 controls (0x9b is CSI on 8-bit terminals), line/paragraph separators, and
// the bidirectional overrides and isolates that can reorder what a reader sees.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character escaped. `keepNewlines` keeps line breaks, for messages
 * that are meant to span lines (a tool's stderr tail); table cells and names escape them too.
 */
export function printable(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, escapeOne);
}

/**
 * A copy of a command result with every string made printable (newlines kept, so a renderer can
 * still take an error's first line). Renderers get this, so no data string reaches the terminal
 * raw; the colours they add afterwards are their own.
 */
export function printableResult<T>(value: T): T {
  if (typeof value === 'string') return printable(value, { keepNewlines: true }) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => printableResult(item)) as T;
  if (value !== null && typeof value === 'object' && isPlain(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[printable(key)] = printableResult(item);
    return out as T;
  }
  return value;
}

/** Results are JSON data: plain objects; anything else (a Date) is left as it is. */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
