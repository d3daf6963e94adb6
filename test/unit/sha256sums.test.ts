/**
 * SHA256SUMS lines against GNU sha256sum itself: for each file name, the line orgbackup writes is
 * the line `sha256sum` prints for that file, so `sha256sum -c` reads every name back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256sumLine, sha256sums, unescapedSha256sums } from '../../src/archive/manifest.js';
import { tempDir } from '../helpers/tmp.js';

const names: [string, string][] = [
  ['plain', 'report.pdf'],
  ['space and unicode', 'Rechnung März 2026.pdf'],
  ['newline', 'line one\nline two.txt'],
  ['backslash', 'C:\\Users\\ana\\scan.png'],
  ['carriage return', 'crlf\r.txt'],
  ['all three', 'a\\b\nc\rd'],
  ['literal backslash-n', 'not\\na newline'],
];

describe('SHA256SUMS lines', () => {
  let dir: { dir: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.cleanup());

  it.each(names)('%s: the same line as GNU sha256sum, and sha256sum -c passes', async (_label, name) => {
    const body = `content of ${name}`;
    await writeFile(path.join(dir.dir, name), body);
    const sha = createHash('sha256').update(body).digest('hex');
    const gnu = await execa('sha256sum', ['--', name], { cwd: dir.dir });
    expect(sha256sumLine(sha, name)).toBe(gnu.stdout + '\n');
    await writeFile(path.join(dir.dir, 'SUMS'), sha256sumLine(sha, name));
    const check = await execa('sha256sum', ['-c', 'SUMS'], { cwd: dir.dir, reject: false });
    expect(check.exitCode, check.stderr).toBe(0);
  });

  it('lines are unescaped only where no name needs it (older archives keep verifying)', () => {
    const entries = names.map(([, name]) => ({ name, size: 1, sha256: 'ab'.repeat(32) }));
    expect(sha256sums(entries.slice(0, 2))).toBe(unescapedSha256sums(entries.slice(0, 2)));
    expect(sha256sums(entries)).not.toBe(unescapedSha256sums(entries));
  });
});
