#!/usr/bin/env node
/**
 * Part of `npm run lint`: every typed error that src/ creates carries a hint (SPEC: the message says
 * what happened and why, the hint what to do). It finds each `new <TypedError>(...)` and fails on one
 * whose details give no `hint` and that no `.withHint(...)` follows. A details object that is not
 * written out (a variable, a spread) is trusted. ToolError (a tool's own words, translated by the
 * engines), ConfigError, InterruptedError, NotFoundError and AlreadyExistsError make their own hints.
 * Usage: node scripts/check-error-hints.mjs [root] [--count]   (--count: print the totals and exit 0)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const countOnly = args.includes('--count');
const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? 'src');

/** The argument that carries the hint, per typed error: a details object, or (StorageError) the hint itself. */
const HINT_ARGUMENT = {
  OrgbackupError: { index: 2, kind: 'details' },
  AuditHoleError: { index: 2, kind: 'details' },
  UsageError: { index: 1, kind: 'details' },
  PreflightError: { index: 1, kind: 'details' },
  VerificationError: { index: 1, kind: 'details' },
  ObjectMismatchError: { index: 1, kind: 'details' },
  IdentityMismatchError: { index: 1, kind: 'details' },
  BusyError: { index: 1, kind: 'details' },
  StorageError: { index: 1, kind: 'string' },
};

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function hasHint(node, rule) {
  const arg = node.arguments?.[rule.index];
  if (!arg) return false;
  if (rule.kind === 'string') return !(ts.isIdentifier(arg) && arg.text === 'undefined');
  if (!ts.isObjectLiteralExpression(arg)) return true;
  return arg.properties.some((p) => ts.isSpreadAssignment(p) || (p.name && ts.isIdentifier(p.name) && p.name.text === 'hint'));
}

/** `new X(...).withHint(...)`, also through parentheses. */
function hintedAfter(node) {
  let outer = node;
  while (ts.isParenthesizedExpression(outer.parent)) outer = outer.parent;
  const access = outer.parent;
  return ts.isPropertyAccessExpression(access) && access.name.text === 'withHint' && ts.isCallExpression(access.parent);
}

let total = 0;
const missing = [];
for (const file of sourceFiles(root)) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && HINT_ARGUMENT[node.expression.text]) {
      total++;
      if (!hasHint(node, HINT_ARGUMENT[node.expression.text]) && !hintedAfter(node)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        missing.push(`${path.relative(root, file)}:${line + 1}: new ${node.expression.text}(...) has no hint: say what to do (details.hint, or .withHint(...))`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (countOnly) {
  console.log(`${total} typed error(s) created in ${path.relative(process.cwd(), root) || '.'}, ${missing.length} without a hint`);
  for (const line of missing) console.log(line);
  process.exit(0);
}
for (const line of missing) console.error(line);
if (missing.length) {
  console.error(`${missing.length} of ${total} typed error(s) without a hint`);
  process.exit(1);
}
