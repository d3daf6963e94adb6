/**
 * JSON with comments and trailing commas (as in SPEC.md's config example), for config files.
 * Parsed by Microsoft's jsonc-parser (the one VS Code uses): a hand-written comment stripper
 * rewrote strings (`"abc,}"` became `abc}`) and dropped the rest of a file after an unclosed
 * `/*`. A syntax error is never repaired: the first one is reported with its line and column.
 * Nor is a key given twice in one object, which every JSON parser resolves silently by keeping
 * the last (a second "storage" block would drop the first storage from every run).
 */
import { parse, printParseErrorCode, visit, type JSONPath, type ParseError } from 'jsonc-parser';
import { UsageError } from '../errors.js';

// Keyed by printParseErrorCode's names: the package's ParseErrorCode is a const enum that
// verbatimModuleSyntax cannot import.
const WHAT: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: 'unexpected characters (keys and strings need double quotes)',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}": an object is not closed',
  CloseBracketExpected: 'expected "]": a list is not closed',
  EndOfFileExpected: 'unexpected text after the end of the config',
  InvalidCommentToken: 'not a valid comment',
  UnexpectedEndOfComment: 'a /* comment is not closed with */',
  UnexpectedEndOfString: 'a string is not closed (a line break inside a string must be written \\n)',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'not a valid \\u escape',
  InvalidEscapeCharacter: 'not a valid escape after \\ (write \\\\ for a backslash)',
  InvalidCharacter: 'a control character inside a string (escape it)',
};

/** 1-based line and column (in UTF-16 units, as editors count them) of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** The config value; throws a UsageError (exit 2) naming the first syntax error's position. */
export function parseJsoncText(text: string, file = 'the config'): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false }) as unknown;
  const first = errors[0];
  if (!first) {
    refuseDuplicateKey(text, file);
    return value;
  }
  const { line, column } = positionOf(text, first.offset);
  const what = WHAT[printParseErrorCode(first.error)] ?? 'invalid JSON';
  throw new UsageError(`${file}:${line}:${column}: syntax error: ${what}`, {
    hint: `fix line ${line}, column ${column}; comments (// and /* */) and trailing commas are allowed`,
  });
}

function refuseDuplicateKey(text: string, file: string): void {
  const duplicate = firstDuplicateKey(text);
  if (!duplicate) return;
  const { line, column } = positionOf(text, duplicate.offset);
  const where = duplicate.path.length > 0 ? ` in ${duplicate.path.join('.')}` : '';
  throw new UsageError(`${file}:${line}:${column}: key "${duplicate.key}" is given twice${where}; only one would count`, {
    hint: `merge the two "${duplicate.key}" entries into one (line ${line} repeats an earlier key of the same object)`,
  });
}

/** The first key repeated within one object, with its offset and the path of that object. */
export function firstDuplicateKey(text: string): { key: string; offset: number; path: JSONPath } | undefined {
  const open: Set<string>[] = [];
  let found: { key: string; offset: number; path: JSONPath } | undefined;
  visit(
    text,
    {
      onObjectBegin: () => void open.push(new Set()),
      onObjectEnd: () => void open.pop(),
      onObjectProperty: (key, offset, _length, _line, _column, pathOf) => {
        const keys = open[open.length - 1];
        if (found || !keys) return;
        if (keys.has(key)) found = { key, offset, path: pathOf() };
        else keys.add(key);
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  return found;
}

/** cosmiconfig loader. */
export function parseJsonc(filepath: string, content: string): unknown {
  return parseJsoncText(content, filepath);
}
