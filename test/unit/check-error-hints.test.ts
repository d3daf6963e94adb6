/** scripts/check-error-hints.mjs (part of `npm run lint`) fails on a typed error created without a hint. */
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: { dir: string; cleanup(): Promise<void> } | undefined;
afterEach(() => tmp?.cleanup());

async function check(text: string): Promise<{ exitCode: number | undefined; stderr: string }> {
  tmp = await tempDir();
  await writeFile(path.join(tmp.dir, 'a.ts'), text);
  const res = await execa('node', [path.join(ROOT, 'scripts/check-error-hints.mjs'), tmp.dir], { reject: false });
  return { exitCode: res.exitCode, stderr: res.stderr };
}

describe('check-error-hints', () => {
  it.each<{ name: string; text: string; exitCode: number; error: RegExp }>([
    { name: 'a UsageError with a hint', text: "throw new UsageError('bad', { hint: 'do this' });\n", exitCode: 0, error: /^$/ },
    { name: 'a UsageError without details', text: "throw new UsageError('bad');\n", exitCode: 1, error: /a\.ts:1: new UsageError\(\.\.\.\) has no hint/ },
    { name: 'a VerificationError whose details hold only a cause', text: "throw new VerificationError('bad', { cause: e });\n", exitCode: 1, error: /a\.ts:1: new VerificationError/ },
    { name: 'an OrgbackupError with an exit code only', text: "\n\nthrow new OrgbackupError('bad', ExitCode.failed);\n", exitCode: 1, error: /a\.ts:3: new OrgbackupError/ },
    { name: 'an OrgbackupError with details.hint', text: "throw new OrgbackupError('bad', ExitCode.failed, { hint: 'do this' });\n", exitCode: 0, error: /^$/ },
    { name: 'a hint added with withHint', text: "throw new PreflightError('bad').withHint('do this');\n", exitCode: 0, error: /^$/ },
    { name: 'details given as a variable', text: "throw new BusyError('bad', details);\n", exitCode: 0, error: /^$/ },
    { name: 'a StorageError without its hint argument', text: "throw new StorageError('bad');\n", exitCode: 1, error: /new StorageError/ },
    { name: 'a plain Error (internal, not shown as a typed error)', text: "throw new Error('internal: bad');\n", exitCode: 0, error: /^$/ },
  ])('$name', async ({ text, exitCode, error }) => {
    const res = await check(text);
    expect(res.exitCode, res.stderr).toBe(exitCode);
    expect(res.stderr).toMatch(error);
  });

  it("passes on the project's own src/", async () => {
    const res = await execa('node', [path.join(ROOT, 'scripts/check-error-hints.mjs'), path.join(ROOT, 'src')], { reject: false });
    expect(res.exitCode, res.stderr).toBe(0);
  });
});
