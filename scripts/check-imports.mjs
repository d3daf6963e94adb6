#!/usr/bin/env node
/**
 * Part of `npm run lint`: the import graph of src/ has no cycle, no source type is compared outside
 * src/sources/ (engine knowledge stays behind the Source contract), only src/cli/ imports src/cli/,
 * and src/sources/ imports none of the layers that use it
 * (the layers import downwards: cli -> commands -> restore/schedule/preflight/backup -> sources ->
 * archive/crypto/storage -> util/config/errors). Type-only imports count too: a cycle of types is
 * still two files that cannot be understood one without the other.
 * Usage: node scripts/check-imports.mjs [root]   (exit 1 and one line per problem when it fails)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? 'src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

// A dynamic import whose path is made at run time (sources/registry.ts loads `./${type}/engine.js`).
const COMPUTED_IMPORT = /\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?`([^`]+)`\s*\)/g;

/** Relative imports of one file, resolved to .ts files under root; a computed one, to every file it can name. */
function importsOf(file, files) {
  const text = readFileSync(file, 'utf8');
  const found = new Set();
  const resolve = (spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec.startsWith('.')) found.add(resolve(spec));
  }
  for (const [, spec] of text.matchAll(COMPUTED_IMPORT)) {
    if (!spec.startsWith('.')) continue;
    // Each ${...} stands for one path segment or part of one.
    const parts = resolve(spec).split(/\$\{[^}]*\}/);
    const pattern = new RegExp(`^${parts.map((part) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')).join('[^/\\\\]+')}$`);
    for (const candidate of files) if (pattern.test(candidate)) found.add(candidate);
  }
  return [...found];
}

const files = sourceFiles(root);
const graph = new Map(files.map((file) => [file, importsOf(file, files).filter((target) => target !== file)]));
const rel = (file) => path.relative(root, file);
const problems = [];
// The layers that use the engines (src/sources/): an engine's own checks and helpers live below them.
const ABOVE_SOURCES = new Set(['commands', 'preflight', 'restore', 'backup', 'schedule', 'retention', 'verify', 'pitr', 'notify', 'hooks', 'audit', 'results']);

for (const [file, targets] of graph) {
  for (const target of targets) {
    if (rel(target).startsWith(`cli${path.sep}`) && !rel(file).startsWith(`cli${path.sep}`)) problems.push(`${rel(file)} imports ${rel(target)}: only src/cli/ may import the CLI layer`);
    const layer = rel(target).split(path.sep)[0];
    if (rel(file).startsWith(`sources${path.sep}`) && ABOVE_SOURCES.has(layer)) problems.push(`${rel(file)} imports ${rel(target)}: an engine may not import the layers that use it`);
  }
}

// Engine knowledge lives in src/sources/<engine>/ behind the Source contract (src/sources/types.ts):
// a comparison with an engine's type name elsewhere is a switch a new engine would have to find.
// The names are the engine folders' (a folder with an engine.ts is named by its type), so a new
// engine's is checked too.
const engineNames = new Set(['postgres', 'mysql', 'sqlite', 'files']);
for (const file of files) if (path.basename(file) === 'engine.ts' && path.dirname(path.dirname(file)) === path.join(root, 'sources')) engineNames.add(path.basename(path.dirname(file)));
const names = [...engineNames].join('|');
const ENGINE_SWITCH = new RegExp(`[!=]==\\s*'(?:${names})'|case\\s+'(?:${names})'\\s*:`);
for (const file of files) {
  const where = rel(file).split(path.sep).join('/');
  if (where.startsWith('sources/')) continue;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (ENGINE_SWITCH.test(line)) problems.push(`${where}:${i + 1}: compares a source type outside src/sources/: give the Source contract a method instead`);
  });
}

// Tarjan's strongly connected components: each component of more than one file is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function connect(file) {
  index.set(file, counter);
  low.set(file, counter++);
  stack.push(file);
  onStack.add(file);
  for (const target of graph.get(file) ?? []) {
    if (!graph.has(target)) continue;
    if (!index.has(target)) {
      connect(target);
      low.set(file, Math.min(low.get(file), low.get(target)));
    } else if (onStack.has(target)) low.set(file, Math.min(low.get(file), index.get(target)));
  }
  if (low.get(file) !== index.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1) problems.push(`import cycle: ${component.map(rel).sort().join(' <-> ')}`);
}
for (const file of files) if (!index.has(file)) connect(file);

for (const problem of problems) console.error(problem);
if (problems.length) {
  console.error(`${problems.length} import problem(s) in ${path.relative(process.cwd(), root) || '.'}: move the shared piece down a layer (src/util/) or invert the dependency`);
  process.exit(1);
}
