/** scripts/check-imports.mjs (part of `npm run lint`) fails on an import cycle (through computed dynamic imports too), on an import of the CLI layer from below, on an engine importing a layer that uses it, and on a source type compared outside src/sources/. */
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> } | undefined;
afterEach(() => tmp?.cleanup());

async function check(files: Record<string, string>): Promise<{ exitCode: number | undefined; stderr: string }> {
  tmp = await tempDir();
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(tmp.dir, name)), { recursive: true });
    await writeFile(path.join(tmp.dir, name), text);
  }
  const res = await execa('node', [path.join(ROOT, 'scripts/check-imports.mjs'), tmp.dir], { reject: false });
  return { exitCode: res.exitCode, stderr: res.stderr };
}

describe('check-imports', () => {
  it.each<{ name: string; files: Record<string, string>; exitCode: number; error: RegExp }>([
    { name: 'a clean tree', files: { 'a.ts': "import { b } from './b.js';\n", 'b.ts': 'export const b = 1;\n' }, exitCode: 0, error: /^$/ },
    {
      name: 'a two-file cycle',
      files: { 'a.ts': "import { b } from './b.js';\nexport const a = 1;\n", 'b.ts': "import { a } from './a.js';\nexport const b = a;\n" },
      exitCode: 1,
      error: /import cycle: a\.ts <-> b\.ts/,
    },
    {
      name: 'a cycle through a type import and a dynamic import',
      files: {
        'x/a.ts': "import type { B } from '../y/b.js';\nexport type A = B;\n",
        'y/b.ts': "export type B = number;\nexport async function f() { return import('../z/c.js'); }\n",
        'z/c.ts': "export { type A } from '../x/a.js';\n",
      },
      exitCode: 1,
      error: /import cycle: x\/a\.ts <-> y\/b\.ts <-> z\/c\.ts/,
    },
    {
      name: 'a cycle through a computed dynamic import (the registry loading an engine by its type)',
      files: {
        'sources/registry.ts': 'export const load = (type: string) => import(/* @vite-ignore */ `./${type}/engine.js`);\n',
        'sources/pg/engine.ts': "import { load } from '../registry.js';\nexport const engine = load;\n",
        'sources/pg/source.ts': 'export const source = 1;\n',
      },
      exitCode: 1,
      error: /import cycle: sources\/pg\/engine\.ts <-> sources\/registry\.ts\n/,
    },
    {
      name: 'a computed dynamic import with no cycle',
      files: { 'sources/registry.ts': 'export const load = (type: string) => import(`./${type}/engine.js`);\n', 'sources/pg/engine.ts': 'export const engine = 1;\n' },
      exitCode: 0,
      error: /^$/,
    },
    {
      name: 'a lower layer importing the CLI',
      files: { 'cli/render/format.ts': 'export const f = 1;\n', 'preflight/space.ts': "import { f } from '../cli/render/format.js';\n" },
      exitCode: 1,
      error: /preflight\/space\.ts imports cli\/render\/format\.ts: only src\/cli\/ may import the CLI layer/,
    },
    {
      name: 'an engine importing preflight',
      files: { 'preflight/types.ts': 'export const pass = 1;\n', 'sources/pg/preflight.ts': "import { pass } from '../../preflight/types.js';\n" },
      exitCode: 1,
      error: /sources\/pg\/preflight\.ts imports preflight\/types\.ts: an engine may not import the layers that use it/,
    },
    {
      name: 'a source type compared in preflight (once a known leftover)',
      files: { 'preflight/source-postgres.ts': "export const isPg = (t: string) => t === 'postgres';\n" },
      exitCode: 1,
      error: /preflight\/source-postgres\.ts:1: compares a source type outside src\/sources\//,
    },
    {
      name: 'a source type compared in config/',
      files: { 'config/rules.ts': "export const isSqlite = (t: string) => t === 'sqlite';\n" },
      exitCode: 1,
      error: /config\/rules\.ts:1: compares a source type outside src\/sources\//,
    },
    {
      name: "a new engine's type (its folder's name) compared outside src/sources/",
      files: { 'sources/mongo/engine.ts': 'export const engine = {};\n', 'commands/list.ts': "export const isMongo = (t: string) => t === 'mongo';\n" },
      exitCode: 1,
      error: /commands\/list\.ts:1: compares a source type outside src\/sources\//,
    },
    {
      name: 'a source type compared in an engine folder',
      files: { 'sources/registry.ts': "export const isPg = (t: string) => t === 'postgres';\n" },
      exitCode: 0,
      error: /^$/,
    },
  ])('$name', async ({ files, exitCode, error }) => {
    const res = await check(files);
    expect(res.exitCode, res.stderr).toBe(exitCode);
    expect(res.stderr).toMatch(error);
  });

  it("passes on the project's own src/", async () => {
    const res = await execa('node', [path.join(ROOT, 'scripts/check-imports.mjs'), path.join(ROOT, 'src')], { reject: false });
    expect(res.exitCode, res.stderr).toBe(0);
  });
});
