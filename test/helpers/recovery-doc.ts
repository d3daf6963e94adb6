/**
 * Runs the "Recovering without orgbackup" blocks of docs/recovery.md as written: each block is read
 * from the page under its heading, so the page and the tests that prove it cannot drift apart. Only
 * example paths and names are replaced (the caller says which, and the test checks they were).
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './cli.js';

/** The first ```sh block after `heading` in docs/recovery.md, as lines. */
export async function recoveryBlock(heading: string): Promise<string[]> {
  const doc = await readFile(path.join(ROOT, 'docs', 'recovery.md'), 'utf8');
  const at = doc.indexOf(`${heading}\n`);
  if (at < 0) throw new Error(`docs/recovery.md: no heading "${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(at));
  if (!block) throw new Error(`docs/recovery.md: no sh block under "${heading}"`);
  return block[1]!.trimEnd().split('\n');
}

export const FIRST_HEADING = '## Recovering without orgbackup';

/** The decrypt / unzip / check steps every recipe starts with: the first block up to `sha256sum -c`. */
export async function unpackSteps(archive: string, keyFile: string, workDir: string): Promise<string[]> {
  const steps = await recoveryBlock(FIRST_HEADING);
  const end = steps.findIndex((line) => line.startsWith('sha256sum -c SHA256SUMS'));
  if (end < 0) throw new Error('docs/recovery.md: the first block has no sha256sum -c step');
  return substitute(steps.slice(0, end + 1), archive, keyFile, { '/tmp/recover': workDir });
}

/** The example ARCHIVE= and KEY= values, then each whole word `from` -> `to` (names, directories). */
export function substitute(lines: string[], archive: string, keyFile: string, names: Record<string, string>): string[] {
  return lines.map((line) => {
    let out = line.replace(/^ARCHIVE=\S+/, `ARCHIVE=${archive}`).replace(/^KEY=\S+/, `KEY=${keyFile}`);
    for (const [from, to] of Object.entries(names)) out = out.replace(new RegExp(`(?<!\\w)${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`, 'g'), to);
    return out;
  });
}

/** Runs the lines as one bash script: -x shows each step as it runs, -e stops at the first failing one. */
export async function runSteps(lines: string[], env: Record<string, string>) {
  return execa('bash', ['-euxo', 'pipefail', '-c', lines.join('\n')], { env, reject: false });
}

/** Whether bash's trace shows `command` as run. */
export function ran(stderr: string, command: string): boolean {
  return new RegExp(`^\\++ ${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm').test(stderr);
}
