/**
 * Turns zod issues into the `path: message` lines a user reads. This is the only place that knows
 * zod's issue shapes: no validator wording ("Invalid discriminator value", "Unrecognized key")
 * reaches the user. Unknown keys are reported one per line with a "did you mean" from the keys the
 * schema allows at that place.
 */
import type { z } from 'zod';
import { closest } from '../util/closest.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** The parts of a zod schema's definition the key lookup walks (zod 4 `_zod.def`). */
interface SchemaDef {
  type: string;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  valueType?: Schema;
  element?: Schema;
  innerType?: Schema;
  in?: Schema;
  options?: Schema[];
  discriminator?: string;
  values?: unknown[];
}
interface Schema {
  _zod: { def: SchemaDef };
}

/** One line per problem, in the order zod found them; `input` is the value that was validated. */
export function formatIssues(issues: readonly Issue[], schema: unknown, input: unknown): string[] {
  return issues.flatMap((issue) => formatIssue(issue, schema as Schema, input));
}

function formatIssue(issue: Issue, schema: Schema, input: unknown): string[] {
  const at = pathText(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = keysAt(schema, issue.path, input);
      const fallback = known.length > 0 ? `allowed: ${known.join(', ')}` : undefined;
      return issue.keys.map((key) => {
        const note = suggestion(key, known) ?? fallback;
        return `${pathText([...issue.path, key])}: unknown key${note ? ` (${note})` : ''}`;
      });
    }
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && Array.isArray(issue.options)) {
        const allowed = issue.options.map(String);
        const got = valueAt(input, issue.path);
        return [`${at}: must be one of ${allowed.join(', ')} ${gotText(got, allowed)}`];
      }
      return [`${at}: does not match any of the allowed forms`];
    case 'invalid_type':
      return [`${at}: ${typeText(issue.expected, valueAt(input, issue.path))}`];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const got = valueAt(input, issue.path);
      return [`${at}: must be ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`} ${gotText(got, allowed)}`];
    }
    case 'too_small':
      return [`${at}: ${boundText(issue.origin, 'at least', issue.minimum)}`];
    case 'too_big':
      return [`${at}: ${boundText(issue.origin, 'at most', issue.maximum)}`];
    case 'invalid_key':
      return issue.issues.map((inner) => `${at}: this name is not allowed${inner.message.startsWith('Invalid') ? '' : ` (${inner.message})`}`);
    case 'invalid_format':
      return [`${at}: ${issue.message.startsWith('Invalid') ? `must match ${issue.pattern ?? issue.format}` : issue.message}`];
    case 'invalid_element':
      return issue.issues.map((inner) => `${at}: ${inner.message}`);
    default:
      // custom (refine) and regex messages are the schema's own wording; zod's defaults start "Invalid".
      return [`${at}: ${issue.message.startsWith('Invalid') ? 'is not valid' : issue.message}`];
  }
}

function pathText(path: Path): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function suggestion(word: string, candidates: readonly string[]): string | undefined {
  const best = closest(word, candidates);
  return best === undefined ? undefined : `did you mean "${best}"?`;
}

/** `(got "postgress"; did you mean "postgres"?)`, or `(missing)`. */
function gotText(got: unknown, allowed: readonly string[]): string {
  if (got === undefined) return '(missing)';
  const hint = typeof got === 'string' ? suggestion(got, allowed) : undefined;
  return `(got ${JSON.stringify(got)}${hint ? `; ${hint}` : ''})`;
}

function typeText(expected: string, got: unknown): string {
  const want = expected === 'int' ? 'a whole number' : expected === 'array' ? 'a list' : expected === 'object' ? 'an object' : `a ${expected}`;
  if (got === undefined) return `is required (${want})`;
  return `must be ${want} (got ${got === null ? 'null' : Array.isArray(got) ? 'a list' : typeof got === 'object' ? 'an object' : JSON.stringify(got)})`;
}

function boundText(origin: string, relation: string, bound: number | bigint | Date): string {
  const n = Number(bound);
  if (origin === 'string') return n === 1 && relation === 'at least' ? 'must not be empty' : `must be ${relation} ${n} characters`;
  if (origin === 'array' || origin === 'set') return `must have ${relation} ${n} entries`;
  return `must be ${relation} ${n}`;
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The keys the schema allows for the object at `path` (following the input through unions). */
export function keysAt(schema: Schema, path: Path, input: unknown): string[] {
  let node: Schema | undefined = schema;
  for (let i = 0; i < path.length && node; i++) node = child(node, path[i]!, valueAt(input, path.slice(0, i)));
  const def = node ? unwrap(node, valueAt(input, path))._zod.def : undefined;
  return def?.shape ? Object.keys(def.shape) : [];
}

function child(schema: Schema, key: PropertyKey, value: unknown): Schema | undefined {
  const def = unwrap(schema, value)._zod.def;
  if (def.type === 'object') return def.shape?.[String(key)] ?? def.catchall;
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  return undefined;
}

/** Strips optional/default/pipe wrappers and picks a discriminated union's member by the input. */
function unwrap(schema: Schema, value: unknown): Schema {
  let node = schema;
  for (;;) {
    const def = node._zod.def;
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (inner) node = inner;
    else if (def.type === 'union' && def.options) {
      const tag = def.discriminator && value && typeof value === 'object' ? (value as Record<string, unknown>)[def.discriminator] : undefined;
      const member = def.options.find((o) => o._zod.def.shape?.[def.discriminator ?? '']?._zod.def.values?.includes(tag));
      if (!member) return node;
      node = member;
    } else return node;
  }
}

/** A copy of `input` without the keys zod reported as unrecognized (the input is left alone). */
export function withoutUnknownKeys(input: unknown, issues: readonly Issue[]): unknown {
  const copy: unknown = structuredClone(input);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const target = valueAt(copy, issue.path);
    if (target && typeof target === 'object') for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
  }
  return copy;
}
