/** The JSONC config reader: strings are never rewritten, syntax errors are never repaired. */
import { describe, expect, it } from 'vitest';
import { parseJsonc } from '../../src/config/jsonc.js';
import { UsageError } from '../../src/errors.js';

describe('JSONC values', () => {
  it.each([
    ['comma-brace inside a string', '{"password": "abc,}"}', { password: 'abc,}' }],
    ['comma-bracket inside a string', '{"q": "SELECT a, ] b"}', { q: 'SELECT a, ] b' }],
    ['comma, spaces and brace inside a string', '{"q": "a,  }"}', { q: 'a,  }' }],
    ['// inside a string', '{"a": "http://x//y" /* block */}', { a: 'http://x//y' }],
    ['/* inside a string', '{"a": "/* not a comment */", "b": 1}', { a: '/* not a comment */', b: 1 }],
    ['escaped quote then //', '{"a": "quote \\" // not a comment"}', { a: 'quote " // not a comment' }],
    ['escaped backslash before the closing quote', '{"a": "x\\\\", "b": "y,]"}', { a: 'x\\', b: 'y,]' }],
    ['line comment', '{"a": 1 // note\n}', { a: 1 }],
    ['block comment over lines', '/* head\n * more\n */\n{"a": [1, /* two */ 2]}', { a: [1, 2] }],
    ['trailing commas', '{"a": [1, 2,], "b": {"c": 3,},}', { a: [1, 2], b: { c: 3 } }],
    ['trailing comma before a comment', '{"a": 1, // last\n}', { a: 1 }],
  ])('%s', (_name, text, expected) => {
    expect(parseJsonc('c.json', text)).toEqual(expected);
  });
});

describe('JSONC syntax errors', () => {
  it.each([
    ['unterminated /*', '{\n  "a": 1 /* unterminated\n  , "b": 2\n}', '2:10', 'a /* comment is not closed with */'],
    ['missing comma', '{\n  "a": 1\n  "b": 2\n}', '3:3', 'expected "," between entries'],
    ['single quotes', '{\n  "a": \'x\'\n}', '2:8', 'unexpected characters (keys and strings need double quotes)'],
    ['bare key', '{ a: 1 }', '1:3', 'unexpected characters'],
    ['double comma', '{"a": 1,, "b": 2}', '1:9', 'expected a key in double quotes'],
    ['unclosed string', '{"a": "abc', '1:7', 'a string is not closed'],
    ['unclosed object', '{"a": {"b": 1}', '1:15', 'expected "}": an object is not closed'],
    ['text after the end', '{"a": 1}\n}', '2:1', 'unexpected text after the end of the config'],
    ['lone comment', '// nothing here\n', '2:1', 'expected a value'],
  ])('%s is reported at line:column', (_name, text, at, what) => {
    let error: unknown;
    try {
      parseJsonc('/etc/orgbackup/c.json', text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    const { message, hint, exitCode } = error as UsageError;
    const [line, column] = at.split(':');
    expect(message.startsWith(`/etc/orgbackup/c.json:${at}: syntax error: `)).toBe(true);
    expect(message).toContain(what);
    expect(hint?.startsWith(`fix line ${line}, column ${column};`)).toBe(true);
    expect(exitCode).toBe(2);
  });
});

describe('JSONC keys given twice in one object', () => {
  it.each([
    ['top level', '{\n  "storage": {},\n  "storage": {}\n}', '3:3', 'key "storage" is given twice; only one'],
    ['nested', '{"sources": {"app": {"url": "a", "url": "b"}}}', '1:34', 'key "url" is given twice in sources.app;'],
    ['in an object inside a list', '{"hooks": [{"run": "a", "run": "b"}]}', '1:25', 'key "run" is given twice in hooks.0;'],
    ['after a comment', '{"a": 1, // first\n "a": 2}', '2:2', 'key "a" is given twice;'],
  ])('%s is refused at line:column', (_name, text, at, what) => {
    let error: unknown;
    try {
      parseJsonc('c.json', text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message.startsWith(`c.json:${at}: ${what}`), (error as UsageError).message).toBe(true);
    expect((error as UsageError).exitCode).toBe(2);
  });

  it.each([
    ['the same key in sibling objects', '{"a": {"x": 1}, "b": {"x": 2}}', { a: { x: 1 }, b: { x: 2 } }],
    ['the same key at two depths', '{"x": {"x": 1}}', { x: { x: 1 } }],
    ['objects in a list', '[{"x": 1}, {"x": 2}]', [{ x: 1 }, { x: 2 }]],
  ])('%s is fine', (_name, text, expected) => {
    expect(parseJsonc('c.json', text)).toEqual(expected);
  });
});
